import { describe, expect, it } from 'vitest'
import type { Db } from '../db/client'
import { CollectorUnavailableError, EventCollector, type CollectedEvent } from '../app/services/collector.server'

/**
 * The collector while its database fails (SPEC §8, ADR 007), without a database: a driver
 * reconnecting after a crash can keep a write waiting for seconds. Once a write has failed,
 * requests are answered "not stored" within `failingTimeoutMs`, those arriving meanwhile at
 * once, and the first write that commits ends it.
 */

const event = (id: string): CollectedEvent => ({
  siteId: '00000000-0000-4000-8000-000000000001',
  storeId: '00000000-0000-4000-8000-000000000002',
  clientEventId: id,
  visitorKey: 'visitor-0001',
  type: 'pageview',
  url: 'https://www.hz-vw.example/',
  referrer: null,
  utmSource: null,
  utmMedium: null,
  utmCampaign: null,
  utmContent: null,
  utmTerm: null,
  clickIds: null,
  occurredAt: new Date(),
  touchChannel: null,
})

/** A database whose writes (one statement each) do what the test says next: fail, hang until released, or commit nothing new. */
function scriptedDb() {
  const steps: Array<'fail' | 'hang' | 'commit'> = []
  let release: () => void = () => {}
  const db = {
    execute: async () => {
      const step = steps.shift() ?? 'commit'
      if (step === 'fail') throw new Error('connect ECONNREFUSED')
      if (step === 'hang') await new Promise<void>((resolve) => (release = resolve))
      return []
    },
  } as unknown as Db
  return { db, steps, release: () => release() }
}

const elapsed = async (p: Promise<unknown>): Promise<{ value?: unknown; error?: Error; ms: number }> => {
  const started = performance.now()
  const outcome = await p.then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  )
  return { ...outcome, ms: performance.now() - started }
}

describe('the collector while the database fails', () => {
  it('answers "not stored" quickly once a write failed, and recovers with the first commit', async () => {
    const fake = scriptedDb()
    const collector = new EventCollector({ batchSize: 10, waitMs: 1, timeoutMs: 5_000, queueMax: 1_000, failingTimeoutMs: 200, db: async () => fake.db })

    // healthy: a slow write is waited for (up to timeoutMs)
    fake.steps.push('hang')
    const slow = collector.submit([event('event-0001')])
    await new Promise((r) => setTimeout(r, 300))
    fake.release()
    expect(await slow).toEqual({ stored: 0, duplicates: 1 })

    // the database goes away: the write fails at once
    fake.steps.push('fail', 'hang')
    const failed = await elapsed(collector.submit([event('event-0002')]))
    expect(failed.error).toBeInstanceOf(CollectorUnavailableError)

    // the next write hangs (a driver reconnecting): its request is refused after failingTimeoutMs,
    // and one arriving meanwhile at once
    const probe = elapsed(collector.submit([event('event-0003')]))
    await new Promise((r) => setTimeout(r, 20))
    const meanwhile = await elapsed(collector.submit([event('event-0004')]))
    expect(meanwhile.error).toBeInstanceOf(CollectorUnavailableError)
    expect(meanwhile.ms).toBeLessThan(50)
    const probed = await probe
    expect(probed.error).toBeInstanceOf(CollectorUnavailableError)
    expect(probed.ms).toBeGreaterThanOrEqual(150)
    expect(probed.ms).toBeLessThan(1_000)

    // the database is back: the hanging write ends, the next one commits and acknowledges again
    fake.release()
    await collector.drain()
    expect(await collector.submit([event('event-0005')])).toEqual({ stored: 0, duplicates: 1 })
    fake.steps.push('hang')
    const healthySlow = collector.submit([event('event-0006')])
    await new Promise((r) => setTimeout(r, 300))
    fake.release()
    expect(await healthySlow).toEqual({ stored: 0, duplicates: 1 })
  })

  it('answers within the request’s own time when a write hangs without failing, and refuses at once behind it', async () => {
    const fake = scriptedDb()
    const collector = new EventCollector({ batchSize: 10, waitMs: 1, timeoutMs: 900, queueMax: 1_000, db: async () => fake.db })

    // the database stops answering (a network gone quiet, a server frozen): no error comes
    fake.steps.push('hang')
    const first = await elapsed(collector.submit([event('event-0101')], 300))
    expect(first.error).toBeInstanceOf(CollectorUnavailableError)
    expect(first.ms).toBeGreaterThanOrEqual(250)
    expect(first.ms).toBeLessThan(900)
    // while that write hangs, the next request is not queued behind it
    const behind = await elapsed(collector.submit([event('event-0102')]))
    expect(behind.error).toBeInstanceOf(CollectorUnavailableError)
    expect(behind.ms).toBeLessThan(50)
    // a request with no time left is answered at once
    const late = await elapsed(collector.submit([event('event-0103')], 0))
    expect(late.error).toBeInstanceOf(CollectorUnavailableError)

    // it answers again: writes resume
    fake.release()
    await collector.drain()
    expect(await collector.submit([event('event-0104')])).toEqual({ stored: 0, duplicates: 1 })
  })
})
