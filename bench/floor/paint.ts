/**
 * The cold-open floor: open an existing IndexedDB database (`?db=`, e.g. the app's own
 * `persistent-chat:<userId>`), read the project's range and its last 50 rows with one
 * `getAll`, and render them with the DESIGN.md §5 hooks. Nothing else: no worker, no
 * network, no framework.
 */
const params = new URLSearchParams(location.search)
const projectId = params.get('project') ?? ''
const LAST = 50

const request = indexedDB.open(params.get('db') ?? '')
request.onsuccess = () => {
  const tx = request.result.transaction(['projects', 'messages'])
  const record = tx.objectStore('projects').get(projectId)
  record.onsuccess = () => {
    const { lowSeq, highSeq } = record.result as { lowSeq: number; highSeq: number }
    const from = Math.max(lowSeq, highSeq - LAST + 1)
    const rows = tx.objectStore('messages').getAll(IDBKeyRange.bound([projectId, from], [projectId, highSeq]))
    rows.onsuccess = () => {
      const list = document.querySelector('[data-testid=message-list]') as HTMLElement
      const fragment = document.createDocumentFragment()
      for (const message of rows.result as Array<{
        seq: number
        id: string
        text: string
        user_id: string
      }>) {
        const row = document.createElement('div')
        row.dataset['testid'] = 'message'
        row.dataset['seq'] = String(message.seq)
        row.dataset['messageId'] = message.id
        const author = document.createElement('div')
        author.textContent = message.user_id
        const text = document.createElement('div')
        text.dataset['testid'] = 'message-text'
        text.textContent = message.text
        row.append(author, text)
        fragment.append(row)
      }
      list.append(fragment)
    }
  }
}
