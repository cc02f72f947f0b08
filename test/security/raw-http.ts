/**
 * Raw HTTP/1.1 over a loopback socket, for security tests that must send bytes no HTTP client
 * would: unnormalised request targets, control characters, repeated headers.
 */
import { connect } from 'node:net'

/** @internal A response as read off the socket. */
export interface RawResponse {
  status: number
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>
  body: string
}

/**
 * @internal Sends `GET|POST target` to `baseUrl` with exactly the given header lines (a `Host`
 * and `Connection: close` are added) and reads the whole response. `body` is sent as is.
 */
export function rawRequest(
  baseUrl: string,
  method: string,
  target: string,
  headerLines: readonly string[] = [],
  body = '',
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl)
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname)
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      const headerEnd = text.indexOf('\r\n\r\n')
      const [statusLine = '', ...lines] = text
        .slice(0, headerEnd === -1 ? text.length : headerEnd)
        .split('\r\n')
      const headers: Record<string, string> = {}
      for (const line of lines) {
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).trim().toLowerCase()
        const value = line.slice(colon + 1).trim()
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
      }
      resolve({
        status: Number(statusLine.split(' ')[1] ?? 0),
        headers,
        body: headerEnd === -1 ? '' : dechunk(text.slice(headerEnd + 4), headers),
      })
    })
    const lines = [
      `${method} ${target} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Connection: close',
      ...headerLines,
    ]
    if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`)
    socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1')
  })
}

/** Undoes chunked transfer encoding, if the response used it. */
function dechunk(body: string, headers: Record<string, string>): string {
  if (!/chunked/i.test(headers['transfer-encoding'] ?? '')) return body
  let out = ''
  let rest = body
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    if (lineEnd === -1) return out
    const size = Number.parseInt(rest.slice(0, lineEnd), 16)
    if (!size) return out
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 4 + size)
  }
}

/** @internal Whether `body` is a `{"error":{"code","message"}}` ErrorBody. */
export function isErrorBodyText(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }
    return typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string'
  } catch {
    return false
  }
}
