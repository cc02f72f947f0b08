/**
 * A tiny element builder. Data only ever goes in as text (`textContent`) or attribute values,
 * never as HTML, so message text, user ids and project ids cannot become markup.
 */

/** @internal What `h` sets on a new element. */
export interface ElementProps {
  className?: string | undefined
  /** Set with `textContent`. */
  text?: string | undefined
  /** Attribute values; `undefined` skips the attribute. */
  attrs?: Record<string, string | undefined> | undefined
}

/** @internal Create an element with text, attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: ElementProps = {},
  children: ReadonlyArray<Node | null | undefined> = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  if (props.className !== undefined) element.className = props.className
  if (props.text !== undefined) element.textContent = props.text
  if (props.attrs) {
    for (const [name, value] of Object.entries(props.attrs)) {
      if (value !== undefined) element.setAttribute(name, value)
    }
  }
  for (const child of children) if (child) element.append(child)
  return element
}

/** @internal Set an attribute only when its value changes (attribute writes can trigger observers and style work). */
export function setAttr(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value)
}

/** @internal Set `hidden` only when it changes (each write is an attribute write). */
export function setHidden(element: HTMLElement, hidden: boolean): void {
  if (element.hidden !== hidden) element.hidden = hidden
}

/**
 * @internal Set `textContent` only when it changes; an element holding one text node keeps it
 * and changes its data (no node made or removed, for figures rewritten with every message).
 */
export function setText(node: Node, text: string): void {
  const only = node.firstChild
  if (only instanceof Text && only.nextSibling === null) {
    if (only.data !== text) only.data = text
  } else if (node.textContent !== text) node.textContent = text
}

/** @internal The element with `id`, or a clear failure when index.html lacks it. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`persistent-chat app: #${id} is missing from index.html`)
  return element as T
}
