import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { AnalyticsDb } from './duckdb'
import { defineQuery, runQuery, runStatement, setAnalyticsLogger, AnalyticsQueryError } from './query'

// The one DuckDB query wrapper (ADR 013): bound parameters only, named and timed log lines
// without parameters, optional row parsing; readers on their own connections run side by side.

let memory: AnalyticsDb
let file: AnalyticsDb
let tmp: string

beforeAll(async () => {
  memory = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '128MB', threads: 1 })
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-duckdb-'))
  file = await AnalyticsDb.open({ path: path.join(tmp, 'analytics.duckdb'), memoryLimit: '256MB', threads: 2 })
  await file.withConnection((c) => runStatement(c, 'test.create', 'CREATE TABLE numbers AS SELECT range AS n FROM range(3000000)'))
})

afterAll(async () => {
  setAnalyticsLogger(null)
  await memory.close()
  await file.close()
  fs.rmSync(tmp, { recursive: true, force: true })
})

const echo = defineQuery<{ v: string }>()({ name: 'test.echo', sql: 'SELECT $v AS v, length($v) AS n', row: z.object({ v: z.string(), n: z.bigint() }) })

describe('runQuery', () => {
  it('binds a value with quotes or SQL text as a value', async () => {
    const hostile = "x'); DROP TABLE numbers; --"
    await memory.withConnection(async (c) => {
      await runStatement(c, 'test.table', 'CREATE TABLE t (v VARCHAR)')
      await runStatement(c, 'test.insert', 'INSERT INTO t VALUES ($v)', { v: hostile })
      expect(await runQuery(c, echo, { v: hostile })).toEqual([{ v: hostile, n: BigInt(hostile.length) }])
      const rows = await runQuery(c, defineQuery<{ v: string }>()({ name: 'test.find', sql: 'SELECT count(*)::INTEGER AS n FROM t WHERE v = $v' }), { v: hostile })
      expect(rows).toEqual([{ n: 1 }])
    })
  })

  it('logs the name and duration at debug, never the parameters', async () => {
    const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = []
    setAnalyticsLogger((level, msg, fields) => lines.push({ level, msg, fields }))
    try {
      await memory.withConnection((c) => runQuery(c, echo, { v: '13812345678 张三' }))
      await expect(
        memory.withConnection((c) => runQuery(c, defineQuery<{ v: string }>()({ name: 'test.bad', sql: 'SELECT $v::INTEGER AS n' }), { v: '13812345678' })),
      ).rejects.toBeInstanceOf(AnalyticsQueryError)
    } finally {
      setAnalyticsLogger(null)
    }
    expect(lines[0]).toMatchObject({ level: 'debug', msg: 'analytics query', fields: { query: 'test.echo', rows: 1 } })
    expect(typeof lines[0]!.fields!.ms).toBe('number')
    expect(lines[1]).toMatchObject({ level: 'debug', fields: { query: 'test.bad' } })
    expect(JSON.stringify(lines)).not.toMatch(/13812345678|张三/)
  })

  it('names the failed query without quoting the input', async () => {
    const error = await memory
      .withConnection((c) => runQuery(c, defineQuery<{ v: string }>()({ name: 'test.cast', sql: 'SELECT $v::INTEGER AS n' }), { v: '13812345678x' }))
      .then(() => new AnalyticsQueryError('none', null), (e: unknown) => e as AnalyticsQueryError)
    expect(error.message).toContain('test.cast')
    expect(error.message).not.toContain('13812345678x')
    expect(JSON.stringify(error)).not.toContain('13812345678x')
  })

  it('parses rows with the query schema', async () => {
    const bad = defineQuery()({ name: 'test.shape', sql: "SELECT 'a' AS v", row: z.object({ v: z.number() }) })
    await expect(memory.withConnection((c) => runQuery(c, bad, {}))).rejects.toThrow()
  })

  it('checks only the first row of a large typed result when asked, handing the rows over as they came', async () => {
    const sql = 'SELECT CAST(i AS DOUBLE) AS n, [CAST(i AS VARCHAR)] AS keys FROM range(3) t(i)'
    const first = defineQuery()({ name: 'test.first', sql, row: z.object({ n: z.number(), keys: z.array(z.string()) }), check: 'first' })
    expect(await memory.withConnection((c) => runQuery(c, first, {}))).toEqual([
      { n: 0, keys: ['0'] },
      { n: 1, keys: ['1'] },
      { n: 2, keys: ['2'] },
    ])
    // the shape is still held: a first row of the wrong type fails the query
    const wrong = defineQuery()({ name: 'test.first.wrong', sql, row: z.object({ n: z.string(), keys: z.array(z.string()) }), check: 'first' })
    await expect(memory.withConnection((c) => runQuery(c, wrong, {}))).rejects.toThrow()
  })

  it('keeps moments in UTC', async () => {
    const rows = await memory.withConnection((c) =>
      runQuery(c, defineQuery()({ name: 'test.tz', sql: "SELECT current_setting('TimeZone') AS tz, TIMESTAMPTZ '2027-01-01 08:00:00+08' AS at" }), {}),
    )
    expect(rows[0]).toEqual({ tz: 'UTC', at: new Date('2027-01-01T00:00:00Z') })
  })
})

describe('readers', () => {
  const heavy = defineQuery()({
    name: 'test.heavy',
    sql: 'SELECT count(DISTINCT (a.n * 7919 + b.n) % 1000003) AS k FROM numbers a, range(4) b(n)',
  })
  const light = defineQuery()({ name: 'test.light', sql: 'SELECT count(*) AS n FROM numbers WHERE n < 10' })

  it('run side by side: a short query is not held up by a long one, nor by an open write', async () => {
    const order: string[] = []
    const long = file.withConnection((c) => runQuery(c, heavy, {})).then(() => order.push('heavy'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    // a writer with an uncommitted transaction
    await file.withConnection(async (w) => {
      await runStatement(w, 'test.begin', 'BEGIN TRANSACTION')
      await runStatement(w, 'test.write', 'INSERT INTO numbers VALUES (-1)')
      const started = performance.now()
      const rows = await file.withConnection((c) => runQuery(c, light, {}))
      order.push('light')
      expect(rows).toEqual([{ n: 10n }])
      expect(performance.now() - started).toBeLessThan(1000)
      await runStatement(w, 'test.rollback', 'ROLLBACK')
    })
    await long
    expect(order).toEqual(['light', 'heavy'])
  })
})
