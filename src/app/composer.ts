/**
 * The composer (`[data-testid=composer]` textarea, `[data-testid=send]`): Enter sends,
 * Shift+Enter inserts a newline, blank text is never sent, and text over the backend's
 * 32 KiB limit is refused here with a readable note instead of a failed send.
 */
import { setText } from './dom'

/** @internal Options of `createComposer`. */
export interface ComposerOptions {
  /** Queue the text; rejects when the hub refused it. */
  onSend(text: string): Promise<unknown>
}

/** UTF-8 bytes the backend accepts (DESIGN.md §2: 413 beyond). */
const MAX_TEXT_BYTES = 32 * 1024

/** @internal Wire the composer form from index.html. */
export function createComposer(form: HTMLFormElement, options: ComposerOptions): void {
  const textarea = form.querySelector<HTMLTextAreaElement>('[data-testid=composer]')
  const send = form.querySelector<HTMLButtonElement>('[data-testid=send]')
  const note = form.querySelector<HTMLElement>('.composer__note')
  if (!textarea || !send || !note) throw new Error('persistent-chat app: the composer markup is incomplete')
  const encoder = new TextEncoder()

  const showNote = (text: string) => {
    setText(note, text)
    note.hidden = text === ''
  }

  const sync = () => {
    // Only dimmed, never disabled: a click on it stays harmless (and tools that wait for an
    // enabled button do not hang).
    send.classList.toggle('is-idle', textarea.value.trim() === '')
    if (!note.hidden && encoder.encode(textarea.value).length <= MAX_TEXT_BYTES) showNote('')
  }

  const submit = () => {
    const text = textarea.value
    if (text.trim() === '') return
    if (encoder.encode(text).length > MAX_TEXT_BYTES) {
      showNote('This message is too long: the limit is 32 KB.')
      return
    }
    textarea.value = ''
    sync()
    options.onSend(text).catch((error: unknown) => {
      // Nothing was queued: give the text back unless something new was typed meanwhile.
      if (textarea.value === '') textarea.value = text
      sync()
      showNote(`Couldn’t queue the message: ${reasonOf(error)}`)
    })
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    submit()
    textarea.focus()
  })
  textarea.addEventListener('keydown', (event) => {
    // isComposing: Enter that confirms an IME candidate must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return
    event.preventDefault()
    submit()
  })
  textarea.addEventListener('input', sync)
  sync()
}

function reasonOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message)
  return String(error)
}
