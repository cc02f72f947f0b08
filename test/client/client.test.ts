/**
 * `createChatClient` where there is no browser (server rendering): it throws at once with a
 * hint, instead of starting a hub whose `ready` rejects later with `addEventListener is not defined`.
 */
import { expect, test } from 'vitest'
import { createChatClient } from '../../src/client'

test('created during server rendering, the client throws at once and says where to create it', () => {
  expect(typeof window).toBe('undefined')

  expect(() => createChatClient()).toThrow(
    /createChatClient\(\) needs a browser .*create the client in the browser, e\.g\. in useEffect or via persistent-chat\/react/,
  )
})
