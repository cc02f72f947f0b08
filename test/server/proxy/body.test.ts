import { expect, test } from 'vitest'
import { readJsonBody } from '../../../src/server/proxy/body'

const encoder = new TextEncoder()

function streamedRequest(chunks: () => string | undefined): { request: Request; pulls: () => number } {
  let pulls = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls += 1
      const chunk = chunks()
      if (chunk === undefined) controller.close()
      else controller.enqueue(encoder.encode(chunk))
    },
  })
  const request = new Request('http://x.test/', { method: 'POST', body, duplex: 'half' } as RequestInit)
  return { request, pulls: () => pulls }
}

test('a JSON body is parsed', async () => {
  const request = new Request('http://x.test/', { method: 'POST', body: '{"a":[1,"é"]}' })

  expect(await readJsonBody(request)).toEqual({ ok: true, value: { a: [1, 'é'] } })
})

test('a declared Content-Length over the cap is refused without reading', async () => {
  const { request, pulls } = streamedRequest(() => 'x')
  request.headers.set('content-length', '1000')

  expect(await readJsonBody(request, 100)).toMatchObject({ ok: false, status: 413 })
  expect(pulls()).toBeLessThanOrEqual(1)
})

test('an endless streamed body is cancelled just past the cap', async () => {
  const { request, pulls } = streamedRequest(() => 'x'.repeat(10))

  expect(await readJsonBody(request, 100)).toMatchObject({
    ok: false,
    status: 413,
    code: 'payload_too_large',
  })
  expect(pulls()).toBeLessThan(20)
})

test('invalid JSON, invalid UTF-8 and an empty body are 400s', async () => {
  const invalidUtf8 = new Request('http://x.test/', {
    method: 'POST',
    body: new Uint8Array([0x22, 0xff, 0x22]),
  })
  expect(await readJsonBody(new Request('http://x.test/', { method: 'POST', body: '{' }))).toMatchObject({
    status: 400,
  })
  expect(await readJsonBody(invalidUtf8)).toMatchObject({ status: 400 })
  expect(await readJsonBody(new Request('http://x.test/', { method: 'POST' }))).toMatchObject({ status: 400 })
})
