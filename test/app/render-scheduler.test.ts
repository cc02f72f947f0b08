import { expect, test, vi } from 'vitest'
import { createRenderScheduler } from '../../src/app/render-scheduler'

const untilTasksRan = () => new Promise((resolve) => setTimeout(resolve, 0))

test('a change renders at the end of its task, before any other task, and changes in that task make one render', async () => {
  let renders = 0
  const renderer = createRenderScheduler(() => renders++)
  let rendersWhenNextTaskRan: number | undefined
  setTimeout(() => {
    rendersWhenNextTaskRan = renders
  }, 0)

  renderer.schedule()
  renderer.schedule()
  renderer.schedule()
  expect(renders).toBe(0)
  await untilTasksRan()

  expect(renders).toBe(1)
  // The task queued before the changes ran after the render: no task comes between them.
  expect(rendersWhenNextTaskRan).toBe(1)
})

test('each change after a render gets a render of its own', async () => {
  let renders = 0
  const renderer = createRenderScheduler(() => renders++)

  for (let i = 0; i < 3; i++) {
    renderer.schedule()
    await untilTasksRan()
  }

  expect(renders).toBe(3)
})

test('a long render holds the next one back in proportion, and the changes meanwhile make one render', async () => {
  let clock = 0
  const started: number[] = []
  const renderer = createRenderScheduler(
    () => {
      started.push(Date.now())
      clock += 40 // this render "took" 40 ms
    },
    { spacing: 2, now: () => clock },
  )

  renderer.schedule()
  await untilTasksRan()
  for (let i = 0; i < 5; i++) renderer.schedule()
  await untilTasksRan()
  expect(started.length).toBe(1)
  await vi.waitFor(() => expect(started.length).toBe(2), { timeout: 5_000 })
  expect((started[1] ?? 0) - (started[0] ?? 0)).toBeGreaterThanOrEqual(75)
})
