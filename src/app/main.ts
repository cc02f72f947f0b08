/** Placeholder entry of the demo app, so the build works until the real app lands. */
const root = document.querySelector<HTMLElement>('#app')
if (root !== null) root.textContent = 'persistent-chat'
