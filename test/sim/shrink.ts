/**
 * Shrinking a failing seed: drop planned actions (halves, then quarters, … then one by one)
 * while the run still breaks an invariant, so the trace that is printed is short enough to read.
 * The seed stays the same, so every other random choice replays.
 */
import { type Action, runSeed, type SimPlan, type SimResult } from './scenario'

/** @internal The smallest plan found that still fails, within `budget` runs. */
export function shrink(result: SimResult, budget = 300): SimResult {
  let best = result
  let runs = 0
  let chunk = Math.max(1, Math.floor(best.plan.actions.length / 2))
  while (chunk >= 1 && runs < budget) {
    let removed = false
    for (let start = 0; start < best.plan.actions.length && runs < budget; ) {
      const actions = [...best.plan.actions.slice(0, start), ...best.plan.actions.slice(start + chunk)]
      const plan: SimPlan = { ...best.plan, actions }
      runs++
      const attempt = runSeed(best.seed, plan)
      if (!attempt.ok) {
        best = attempt
        removed = true
      } else start += chunk
    }
    if (!removed) chunk = Math.floor(chunk / 2)
  }
  return best
}

/** @internal One line per action, in virtual time. */
export function describeTrace(result: SimResult): string {
  const { plan } = result
  const header = [
    `backend ${JSON.stringify(plan.variant)}`,
    `hub ${JSON.stringify(plan.config)}, ${plan.projects.length} project(s), ${plan.slots.length} tab slot(s)`,
    `faults ${JSON.stringify(Object.fromEntries(Object.entries(plan.rates).map(([k, v]) => [k, Math.round(v * 1000) / 1000])))}`,
  ]
  return [
    ...header,
    ...plan.actions.map((action) => `  ${(action.at / 1000).toFixed(3)} s  ${describeAction(action, plan)}`),
  ].join('\n')
}

function describeAction(action: Action, plan: SimPlan): string {
  const project = (index: number) => plan.projects[index] ?? '?'
  switch (action.kind) {
    case 'append':
      return `${action.count} message(s) posted to ${project(action.project)}`
    case 'offline':
      return `network offline for ${action.ms} ms`
    case 'reset':
      return `backend data reset of ${project(action.project)} (${action.fresh} new messages)`
    case 'clock':
      return `wall clock jumps ${action.jumpMs} ms`
    default:
      return `tab slot ${action.slot} (${project(plan.slots[action.slot]?.project ?? 0)}): ${action.kind}`
  }
}
