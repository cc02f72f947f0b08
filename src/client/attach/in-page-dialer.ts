/**
 * In-page mode: the hub runs in this page (no SharedWorker and no leader tab, or asked for). It
 * cannot die without the tab, so its link is never lost. Loaded only when needed: the hub core
 * stays out of the tab bundle where a worker hosts it.
 */
import type { Hub, HubConfig } from '../../hub'
import type { HubDialer } from '../../protocol'

/** @internal */
export function createInPageDialer(config: Partial<HubConfig>): HubDialer {
  let hub: Promise<Hub> | undefined
  return {
    mode: 'in-page',
    async open() {
      hub ??= import('../../worker/in-page-host').then(({ createInPageHub }) => createInPageHub(config))
      return { mode: 'in-page', api: await hub, lost: new Promise<string>(() => {}), close() {} }
    },
    close() {
      void hub?.then((running) => running.close())
    },
  }
}
