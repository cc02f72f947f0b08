/**
 * The `HubApi` a tab calls, over the attachment: every call waits for a hub and survives its
 * death (see calls.ts); the calls that shape the attachment itself keep it current first — the
 * projects the tab shows (subscribed again at every new hub), its visibility and network (carried
 * by every new hello), and a `client_msg_id` fixed before a send's first try, so a send that
 * goes again at a new hub is the same message.
 */
import type { BatchListener, HubApi, LogListener, SessionListener, TabHello } from '../../protocol'
import { HUB_METHODS, isHubError, newClientMsgId } from '../../protocol'

/** @internal The tab, as its hello registered it. */
export interface Registration {
  hello: TabHello
  onBatch: BatchListener
  onSession: SessionListener
  onLog: LogListener | undefined
  projects: Set<string>
  greeted: boolean
  /** The user logged out: a hub that forgot the tab is expected, not a reason to attach again. */
  loggedOut: boolean
  /** `bye()` was called: no more attaching. */
  leaving: boolean
}

/** @internal What the tab's API is built on. */
export interface TabApiHost {
  registration(): Registration | undefined
  /** The tab's hello: register it (or update it) and resolve with the welcome of its first hub. */
  register: HubApi['hello']
  /** A call that waits for a hub. */
  invoke(method: keyof HubApi, args: unknown[]): Promise<unknown>
  /** The tab stopped showing the project. */
  forget(projectId: string): void
  /** The tab leaves: attach no more. True when a hub is attached to say bye to. */
  leave(): boolean
}

/** @internal */
export function createTabApi(host: TabApiHost): HubApi {
  const { invoke } = host
  const methods = {} as Record<keyof HubApi, unknown>
  for (const method of HUB_METHODS) methods[method] = (...args: unknown[]) => invoke(method, args)
  const api = methods as unknown as HubApi

  api.hello = host.register
  api.subscribe = async (tabId, projectId) => {
    host.registration()?.projects.add(projectId)
    try {
      await invoke('subscribe', [tabId, projectId])
    } catch (error) {
      if (isHubError(error) && error.code === 'invalid_argument')
        host.registration()?.projects.delete(projectId)
      throw error
    }
  }
  api.unsubscribe = async (tabId, projectId) => {
    host.registration()?.projects.delete(projectId)
    host.forget(projectId)
    await invoke('unsubscribe', [tabId, projectId])
  }
  api.setVisibility = async (tabId, visible) => {
    const tab = host.registration()
    if (tab) tab.hello.visible = visible
    await invoke('setVisibility', [tabId, visible])
  }
  api.setNetwork = async (tabId, online) => {
    const tab = host.registration()
    if (tab) tab.hello.online = online
    await invoke('setNetwork', [tabId, online])
  }
  api.send = async (tabId, projectId, draft) =>
    (await invoke('send', [
      tabId,
      projectId,
      { ...draft, client_msg_id: draft.client_msg_id ?? newClientMsgId() },
    ])) as Awaited<ReturnType<HubApi['send']>>
  api.logout = async (tabId, logoutOptions) => {
    await invoke('logout', [tabId, logoutOptions])
    const tab = host.registration()
    if (tab) tab.loggedOut = true
  }
  api.bye = async (tabId) => {
    if (host.leave()) await invoke('bye', [tabId])
  }
  return api
}
