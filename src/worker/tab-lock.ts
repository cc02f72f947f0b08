/** The Web Lock a tab holds for its lifetime, so the hub learns when the tab is gone. */

/** @public */
export function tabLockName(tabId: string): string {
  return `persistent-chat:tab:${tabId}`
}
