import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { wrapPglite, type DbHandle, createPglite } from '../db/client'

/**
 * A long job on the embedded database (a lead import, ADR 019) works in short transactions and
 * lets other requests have the one connection between two: `quiet` is how it waits for them.
 */
describe('waiting for the embedded database to be left alone', () => {
  let handle: DbHandle
  beforeAll(async () => {
    handle = wrapPglite(await createPglite())
  })
  afterAll(async () => {
    await handle.close()
  })
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

  it('lets the requests that queued behind its transaction finish all their queries, one after another, first', async () => {
    const order: string[] = []
    let request: Promise<void> | undefined
    // the job's chunk: a transaction, during which a page's loader asks for the database
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_sleep(0.02)`)
      request = (async () => {
        await handle.db.execute(sql`select 1`)
        order.push('request: first query')
        // a moment of the loader's own work, then its next query
        await pause(2)
        await handle.db.transaction(async (inner) => {
          await inner.execute(sql`select 1`)
        })
        order.push('request: second query')
      })()
      await pause(5)
      await tx.execute(sql`select 1`)
    })
    order.push('job: chunk committed')
    // quiet for 250 ms: far longer than the loader’s 2 ms between its queries, even on a loaded machine
    await handle.quiet(250, 5_000)
    order.push('job: next chunk')
    await request
    expect(order).toEqual(['job: chunk committed', 'request: first query', 'request: second query', 'job: next chunk'])
  })

  it('waits while a request is on its way to the database, then goes on once it is done', async () => {
    let requests = 1
    let ended = 0
    setTimeout(() => {
      requests = 0
      ended = performance.now()
    }, 60)
    await handle.quiet(10, 5_000, () => requests > 0)
    // it went on only after the request had ended
    expect(ended).toBeGreaterThan(0)
  })

  it('does not starve the job under steady traffic: it waits no longer than it was told', async () => {
    let stop = false
    let queries = 0
    const traffic = (async () => {
      // requests come one after another, each from its own socket event
      while (!stop) {
        await handle.db.execute(sql`select 1`)
        queries++
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    await pause(5)
    await handle.quiet(50, 100)
    const busyAtTheEnd = !stop
    stop = true
    await traffic
    expect(busyAtTheEnd).toBe(true)
    expect(queries).toBeGreaterThan(0)
  })

  it('answers at once when nothing else runs', async () => {
    await pause(20)
    let done = false
    const waiting = handle.quiet(10, 10_000).then(() => (done = true))
    await pause(200)
    expect(done).toBe(true)
    await waiting
  })
})
