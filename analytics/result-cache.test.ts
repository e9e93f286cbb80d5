import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnalyticsDb } from './duckdb'
import { RESULT_CACHE_ENTRIES, STALE_FOR_MS, cacheKey, cachedResult, cachedResultCount } from './result-cache'

// A report of the analytical store is computed once per version of the copy (ADR 024): served
// again while nothing changed, computed anew after a sync changed it — the earlier one served
// meanwhile when the new one takes long — and never kept when it failed.

let db: AnalyticsDb
let other: AnalyticsDb

beforeAll(async () => {
  db = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '64MB', threads: 1 })
  other = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '64MB', threads: 1 })
})

afterAll(async () => {
  await db.close()
  await other.close()
})

const ask = <T>(d: AnalyticsDb, name: string, params: unknown, compute: () => Promise<T>, options?: Parameters<typeof cachedResult>[4]) =>
  d.withConnection((c) => cachedResult(c, name, params, compute, options))

describe('cachedResult', () => {
  it('computes a report once while the copy is unchanged, and again after it changed', async () => {
    let runs = 0
    const report = () => ask(db, 'test.count', { storeIds: ['a'], month: '2026-10' }, async () => ++runs)
    expect(await report()).toMatchObject({ value: 1, stale: false })
    expect((await report()).value).toBe(1)
    db.dataChanged()
    expect(await report()).toMatchObject({ value: 2, stale: false })
    expect((await report()).value).toBe(2)
  })

  it('keys by name and parameters, whatever their order; another database has its own', async () => {
    let runs = 0
    const run = async (d: AnalyticsDb, name: string, params: unknown) => (await ask(d, name, params, async () => ++runs)).value
    expect(await run(db, 'test.key', { a: 1, b: 2 })).toBe(1)
    expect(await run(db, 'test.key', { b: 2, a: 1 })).toBe(1)
    expect(await run(db, 'test.key', { a: 1, b: 3 })).toBe(2)
    expect(await run(db, 'test.other', { a: 1, b: 2 })).toBe(3)
    expect(await run(other, 'test.key', { a: 1, b: 2 })).toBe(4)
    expect(cacheKey('x', { b: [1, { d: 1, c: 2 }], a: undefined })).toBe('x:{"b":[1,{"c":2,"d":1}]}')
  })

  it('shares one computation between requests that ask at once', async () => {
    let runs = 0
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const compute = async () => {
      runs++
      await gate
      return 'done'
    }
    const both = Promise.all([ask(db, 'test.shared', {}, compute), ask(db, 'test.shared', {}, compute)])
    release()
    expect((await both).map((r) => r.value)).toEqual(['done', 'done'])
    expect(runs).toBe(1)
  })

  it('does not keep a failure: the next request computes again', async () => {
    let runs = 0
    const compute = async () => {
      runs++
      if (runs === 1) throw new Error('the analytical store was busy')
      return runs
    }
    await expect(ask(db, 'test.fails', {}, compute)).rejects.toThrow('busy')
    expect((await ask(db, 'test.fails', {}, compute)).value).toBe(2)
  })

  it('serves the earlier report, saying so, while the new one takes long — then the new one', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    expect((await ask(db, 'test.slow', {}, async () => 'before')).value).toBe('before')
    db.dataChanged()
    const slow = async () => {
      await gate
      return 'after'
    }
    const meanwhile = await ask(db, 'test.slow', {}, slow, { waitMs: 50 })
    expect(meanwhile).toMatchObject({ value: 'before', stale: true })
    expect(meanwhile.asOf).toBeLessThanOrEqual(Date.now())
    release()
    // the computation started by the first request lands; nothing computes twice
    let again = 0
    await new Promise((r) => setTimeout(r, 20))
    expect(await ask(db, 'test.slow', {}, async () => `again ${++again}`)).toMatchObject({ value: 'after', stale: false })
    expect(again).toBe(0)
  })

  it('does not serve a report older than it may be: the request waits for the new one', async () => {
    expect((await ask(db, 'test.old', {}, async () => 'old')).value).toBe('old')
    db.dataChanged()
    const later = () => Date.now() + STALE_FOR_MS + 1
    const fresh = await ask(db, 'test.old', {}, () => new Promise<string>((r) => setTimeout(() => r('new'), 100)), { waitMs: 10, now: later })
    expect(fresh).toMatchObject({ value: 'new', stale: false })
  })

  it('keeps at most a bounded number of results, the least recently used going first', async () => {
    db.dataChanged()
    let runs = 0
    const get = (i: number) => ask(db, 'test.lru', { i }, async () => ++runs)
    for (let i = 0; i < RESULT_CACHE_ENTRIES; i++) await get(i)
    await get(0) // used again: now the most recent
    await get(RESULT_CACHE_ENTRIES) // one more: the oldest unused (1) goes
    expect(cachedResultCount(db)).toBe(RESULT_CACHE_ENTRIES)
    const before = runs
    await get(0)
    expect(runs).toBe(before)
    await get(1)
    expect(runs).toBe(before + 1)
  })
})
