import { test } from 'vitest'
import { runSeed } from './scenario'

test('dbg', () => {
  runSeed(Number(process.env['SEED']), undefined, ({ hub }) => {
    for (const ch of hub.channels.values()) {
      const { state } = ch
      console.log(
        JSON.stringify({
          verify: state.verify,
          hb: state.historyBackoff,
          timers: [...state.timers],
          history: state.history,
          older: state.older,
          phase: state.phase,
          record: state.record,
          running: state.running,
          online: state.online,
          cache: state.cache,
        }),
      )
    }
  })
}, 600_000)
