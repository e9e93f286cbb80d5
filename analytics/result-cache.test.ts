import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AnalyticsDb } from './duckdb'
import { RESULT_CACHE_ENTRIES, cacheKey, cachedResult, cachedResultCount } from './result-cache'

// A report of the analytical store is computed once per version of the copy (ADR 024): served
// again while nothing changed, computed anew after a sync changed it, never kept when it failed.

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

describe('cachedResult', () => {
  it('computes a report once while the copy is unchanged, and again after it changed', async () => {
    let runs = 0
    const report = () => db.withConnection((c) => cachedResult(c, 'test.count', { storeIds: ['a'], month: '2026-10' }, async () => ++runs))
    expect(await report()).toBe(1)
    expect(await report()).toBe(1)
    db.dataChanged()
    expect(await report()).toBe(2)
    expect(await report()).toBe(2)
  })

  it('keys by name and parameters, whatever their order; another database has its own', async () => {
    let runs = 0
    const run = (d: AnalyticsDb, name: string, params: unknown) => d.withConnection((c) => cachedResult(c, name, params, async () => ++runs))
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
    const ask = () =>
      db.withConnection((c) =>
        cachedResult(c, 'test.shared', {}, async () => {
          runs++
          await gate
          return 'done'
        }),
      )
    const both = Promise.all([ask(), ask()])
    release()
    expect(await both).toEqual(['done', 'done'])
    expect(runs).toBe(1)
  })

  it('does not keep a failure: the next request computes again', async () => {
    let runs = 0
    const ask = () =>
      db.withConnection((c) =>
        cachedResult(c, 'test.fails', {}, async () => {
          runs++
          if (runs === 1) throw new Error('the analytical store was busy')
          return runs
        }),
      )
    await expect(ask()).rejects.toThrow('busy')
    expect(await ask()).toBe(2)
  })

  it('keeps at most a bounded number of results, the least recently used going first', async () => {
    db.dataChanged()
    let runs = 0
    const ask = (i: number) => db.withConnection((c) => cachedResult(c, 'test.lru', { i }, async () => ++runs))
    for (let i = 0; i < RESULT_CACHE_ENTRIES; i++) await ask(i)
    await ask(0) // used again: now the most recent
    await ask(RESULT_CACHE_ENTRIES) // one more: the oldest unused (1) goes
    expect(cachedResultCount(db)).toBe(RESULT_CACHE_ENTRIES)
    const before = runs
    await ask(0)
    expect(runs).toBe(before)
    await ask(1)
    expect(runs).toBe(before + 1)
  })
})
