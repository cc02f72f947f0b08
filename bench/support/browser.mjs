/**
 * Browser plumbing shared by the browser benchmarks: launching the system Chromium, a signed-in
 * context with the in-page observer, and the CPU time and memory of Chromium's processes read
 * from /proc.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { chromium } from '@playwright/test'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  // The HTTP/2 runs serve a self-signed certificate (stack.mjs); the service worker and the
  // SharedWorker need it accepted as well as the pages.
  '--ignore-certificate-errors',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
}

/**
 * Runs in every page before its own scripts: records, for each `[data-testid=message]` with a
 * `data-seq`, the wall-clock time (`performance.timeOrigin + performance.now()`, comparable
 * with `Date.now()` in Node on the same machine) at which it first existed in the document,
 * and the first message's time and the animation frame after it (when it is painted).
 *
 * It also stamps when a hub batch carrying a seq reached the page (a `message` event on a
 * MessagePort whose data holds `changes` of type `messages`, as the hub's comlink calls do), to
 * split the hub's latency into "reached the tab" and "rendered".
 */
function installObserver() {
  const seen = new Map()
  const arrived = new Map()
  const state = { seen, arrived, firstRow: undefined, firstFrame: undefined }
  const stampBatch = (value, at, depth) => {
    if (value === null || typeof value !== 'object' || depth > 4) return
    if (Array.isArray(value.changes)) {
      for (const change of value.changes) {
        if (change?.type !== 'messages') continue
        for (const message of change.messages) if (!arrived.has(message.seq)) arrived.set(message.seq, at)
      }
      return
    }
    for (const key of Object.keys(value)) stampBatch(value[key], at, depth + 1)
  }
  const wrappers = new WeakMap()
  const { addEventListener, removeEventListener } = MessagePort.prototype
  MessagePort.prototype.addEventListener = function (type, listener, options) {
    if (type !== 'message' || typeof listener !== 'function')
      return addEventListener.call(this, type, listener, options)
    let wrapped = wrappers.get(listener)
    if (!wrapped) {
      wrapped = function (event) {
        stampBatch(event.data, performance.timeOrigin + performance.now(), 0)
        return listener.call(this, event)
      }
      wrappers.set(listener, wrapped)
    }
    return addEventListener.call(this, type, wrapped, options)
  }
  MessagePort.prototype.removeEventListener = function (type, listener, options) {
    return removeEventListener.call(this, type, wrappers.get(listener) ?? listener, options)
  }
  const note = (element, at) => {
    const seq = element.getAttribute('data-seq')
    if (!seq) return
    if (!seen.has(Number(seq))) seen.set(Number(seq), at)
    if (state.firstRow === undefined) {
      state.firstRow = performance.now()
      requestAnimationFrame(() => {
        state.firstFrame = performance.now()
        state.firstFrameRows = document.querySelectorAll('[data-testid=message]').length
      })
    }
  }
  new MutationObserver((records) => {
    const at = performance.timeOrigin + performance.now()
    for (const record of records) {
      if (record.type === 'attributes') {
        if (record.target.getAttribute('data-testid') === 'message') note(record.target, at)
        continue
      }
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue
        if (node.getAttribute('data-testid') === 'message') note(node, at)
        else if (node.firstElementChild)
          for (const row of node.querySelectorAll('[data-testid=message]')) note(row, at)
      }
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-seq'] })
  window.__bench = state
}

/** A fresh context signed in as `userId`, with the observer in every page. */
export async function signedInContext(browser, url, userId, options = {}) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, ...options })
  await context.addInitScript(installObserver)
  const response = await context.request.post(`${url}/api/dev/login`, {
    data: { userId },
    headers: { origin: url },
  })
  if (response.status() !== 200) throw new Error(`login ${userId}: ${response.status()}`)
  return context
}

/** When each of `seqs` first appeared in `page` (wall-clock ms), `null` where it never did. */
export function seenTimes(page, seqs) {
  return page.evaluate((wanted) => wanted.map((seq) => window.__bench.seen.get(seq) ?? null), seqs)
}

/** When the hub batch carrying each of `seqs` reached `page`, `null` where none did (the baseline). */
export function arrivalTimes(page, seqs) {
  return page.evaluate((wanted) => wanted.map((seq) => window.__bench.arrived.get(seq) ?? null), seqs)
}

/** Highest seq `page` has shown so far (0 when none). */
export function highestSeen(page) {
  return page.evaluate(() => Math.max(0, ...window.__bench.seen.keys()))
}

/**
 * `Date.now()` minus the observer's clock in `page`, in ms: how far the in-page timestamps may
 * be off the Node clock (a sanity check, expected well under a millisecond or two).
 */
export function clockSkew(page) {
  return page.evaluate(() => Date.now() - (performance.timeOrigin + performance.now()))
}

/** Poll `check` every `everyMs` until it returns true or `timeoutMs` passes; resolves with whether it did. */
export async function waitUntil(check, { timeoutMs = 30_000, everyMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

// ── Chromium's processes ─────────────────────────────────────────────────────────────────

const TICKS_PER_SECOND = 100 // USER_HZ; Linux reports /proc/<pid>/stat times in these

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // comm may hold spaces and parentheses: split after the last ')'.
    const close = text.lastIndexOf(')')
    const comm = text.slice(text.indexOf('(') + 1, close)
    const fields = text.slice(close + 2).split(' ')
    return { pid, comm, ppid: Number(fields[1]), utime: Number(fields[11]), stime: Number(fields[12]) }
  } catch {
    return undefined
  }
}

/** Chromium processes descending from this Node process (so never another suite's browser). */
export function chromiumProcesses() {
  const all = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(Number(name))
    if (stat) all.push(stat)
  }
  const children = new Map()
  for (const stat of all) {
    if (!children.has(stat.ppid)) children.set(stat.ppid, [])
    children.get(stat.ppid).push(stat)
  }
  const found = []
  const visit = (pid) => {
    for (const child of children.get(pid) ?? []) {
      if (child.comm.includes('chrom')) found.push(child)
      visit(child.pid)
    }
  }
  visit(process.pid)
  return found
}

/** CPU seconds (user + system) used so far by Chromium's processes, keyed by pid. */
export function chromiumCpu() {
  return new Map(chromiumProcesses().map((p) => [p.pid, (p.utime + p.stime) / TICKS_PER_SECOND]))
}

/** CPU seconds between two `chromiumCpu()` readings (processes started in between count from 0). */
export function cpuBetween(before, after) {
  let total = 0
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0)
  return total
}

/** Proportional set size of all Chromium processes, in MiB (shared pages split between sharers). */
export function chromiumPssMiB() {
  let kib = 0
  for (const { pid } of chromiumProcesses()) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))
      if (match) kib += Number(match[1])
    } catch {
      // exited meanwhile
    }
  }
  return kib / 1024
}

/** JS heap in use by `page` (CDP `Performance.getMetrics` JSHeapUsedSize), in MiB. */
export async function jsHeapMiB(page) {
  const session = await page.context().newCDPSession(page)
  try {
    await session.send('Performance.enable')
    const { metrics } = await session.send('Performance.getMetrics')
    return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20
  } finally {
    await session.detach().catch(() => {})
  }
}

/** Where each design's page lives on the bench site. */
export function pagePath(design, projectId, query = '') {
  const base = design === 'ours' ? '/' : '/baseline/index.html'
  return `${base}?project=${encodeURIComponent(projectId)}${query}`
}

const statusOf = (page) =>
  page.getAttribute('[data-testid=connection-status]', 'data-status', { timeout: 1000 }).catch(() => null)

/**
 * A new page of `context`. With `window: true` it opens in a window of its own (CDP
 * `Target.createTarget` with `newWindow`), so it is shown and renders at the display rate like
 * the front tab; otherwise it is one more tab of the context's window, where every tab but the
 * front one gets about one animation frame a second (as a background tab would).
 */
export async function newPage(context, { window = false } = {}) {
  if (!window || context.pages().length === 0) return context.newPage()
  const probe = await context.newCDPSession(context.pages()[0])
  const { targetInfo } = await probe.send('Target.getTargetInfo')
  await probe.detach()
  const browserSession = await context.browser().newBrowserCDPSession()
  try {
    const [page] = await Promise.all([
      context.waitForEvent('page'),
      browserSession.send('Target.createTarget', {
        url: 'about:blank',
        browserContextId: targetInfo.browserContextId,
        newWindow: true,
      }),
    ])
    return page
  } finally {
    await browserSession.detach().catch(() => {})
  }
}

/**
 * Open `count` pages one after another (each in its own window with `windows: true`), each
 * waited for until its status is `connected`. A page that does not load within
 * `loadTimeoutMs` (the baseline's 7th tab waits for one of the browser's 6 connections per
 * origin, all held by the other tabs' streams) ends the waiting: the rest are opened without
 * waiting, then given `loadTimeoutMs` once more.
 */
export async function openTabs(context, url, path, count, { loadTimeoutMs = 20_000, windows = false } = {}) {
  const pages = []
  const loads = []
  let stuck = false
  for (let i = 0; i < count; i++) {
    const page = await newPage(context, { window: windows })
    pages.push(page)
    const load = page.goto(`${url}${path}`, { timeout: loadTimeoutMs }).then(
      () => true,
      () => false,
    )
    loads.push(load)
    if (stuck) continue
    const loaded = await load
    const connected =
      loaded &&
      (await waitUntil(async () => (await statusOf(page)) === 'connected', { timeoutMs: loadTimeoutMs }))
    if (!connected) stuck = true
  }
  const loaded = await Promise.all(loads)
  const statuses = await Promise.all(pages.map((page, i) => (loaded[i] ? statusOf(page) : null)))
  return {
    pages,
    loaded: loaded.filter(Boolean).length,
    connected: statuses.filter((s) => s === 'connected').length,
    live: pages.filter((_, i) => statuses[i] === 'connected'),
  }
}

/**
 * The app's IndexedDB view of a project from inside `page`: the `projects` record's range and
 * how many messages the store holds in it; `null` while the database or record does not exist.
 * (Opening a database that does not exist would create an empty one at version 1 and break the
 * app's upgrade, so existence is checked first.)
 */
export function storedRange(page, databaseName, projectId) {
  return page.evaluate(
    async ({ databaseName, projectId }) => {
      const databases = await indexedDB.databases()
      if (!databases.some((d) => d.name === databaseName)) return null
      const request = (r) =>
        new Promise((resolve, reject) => {
          r.onsuccess = () => resolve(r.result)
          r.onerror = () => reject(r.error)
        })
      const db = await request(indexedDB.open(databaseName))
      try {
        if (!db.objectStoreNames.contains('projects')) return null
        const tx = db.transaction(['projects', 'messages'])
        const record = await request(tx.objectStore('projects').get(projectId))
        if (!record) return null
        const range = IDBKeyRange.bound([projectId, record.lowSeq], [projectId, record.highSeq])
        const count = await request(tx.objectStore('messages').count(range))
        return { lowSeq: record.lowSeq, highSeq: record.highSeq, count }
      } finally {
        db.close()
      }
    },
    { databaseName, projectId },
  )
}

/** Close every page of `context` and wait until the backend holds no stream of `userId`. */
export async function closeAllPages(context, stack, userId) {
  for (const page of context.pages()) await page.close()
  return waitUntil(async () => (await stack.call('openStreams', { userId })) === 0, { timeoutMs: 15_000 })
}
