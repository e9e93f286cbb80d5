import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getDbHandle } from '../db/client'
import { pgSource, type PgSource } from '../analytics/sync/source'
import { serverUrl } from './setup/databases'

/**
 * The analytical sync reads each chunk of a table into a CSV file (analytics/sync/source.ts,
 * ADR 013): on PGlite through COPY to a blob, on a server through COPY … TO STDOUT. Both must
 * write what DuckDB reads back exactly, and on a server the connection must stay usable
 * after every COPY, whatever the size of its result (the driver used to leave the socket
 * paused when a COPY's end arrived with its stream's buffer full: porsager/postgres#917,
 * patched by scripts/patch-dependencies.mjs).
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-sync-source-'))
let source: PgSource

beforeAll(async () => {
  source = pgSource(await getDbHandle())
  await source.query(`create table sync_source_probe (id integer primary key, label text, note text, at timestamptz)`)
  await source.query(
    `insert into sync_source_probe
       select i, case i % 5 when 0 then null when 1 then '' when 2 then '逗号, "引号" 与' || chr(10) || '换行' else repeat('x', i % 700) end,
              repeat('备注', i % 40), timestamptz '2026-10-03 08:00:00+00' + make_interval(secs => i)
       from generate_series(1, 2000) as i`,
  )
})

afterAll(async () => {
  await source.query('drop table if exists sync_source_probe')
  fs.rmSync(dir, { recursive: true, force: true })
})

describe(`copying a chunk into a file (${serverUrl() ? 'Postgres server' : 'PGlite'})`, () => {
  it('writes CSV as COPY writes it: NULL empty, an empty string quoted, commas, quotes and line breaks quoted', async () => {
    const file = path.join(dir, 'probe.csv')
    await source.copyToFile(
      `select id, label, at from sync_source_probe where id <= current_setting('roadshow.probe_limit')::int order by id`,
      { TimeZone: 'UTC', DateStyle: 'ISO, YMD', 'roadshow.probe_limit': '5' },
      file,
    )
    expect(fs.readFileSync(file, 'utf8')).toBe(
      [
        `1,"",2026-10-03 08:00:01+00`,
        `2,"逗号, ""引号"" 与\n换行",2026-10-03 08:00:02+00`,
        `3,xxx,2026-10-03 08:00:03+00`,
        `4,xxxx,2026-10-03 08:00:04+00`,
        `5,,2026-10-03 08:00:05+00`,
        '',
      ].join('\n'),
    )
  })

  it('writes an empty file for no rows, and the settings stay within the copy', async () => {
    const file = path.join(dir, 'empty.csv')
    await source.copyToFile(`select id from sync_source_probe where id < 0`, { 'roadshow.probe_limit': '7' }, file)
    expect(fs.statSync(file).size).toBe(0)
    const [row] = await source.query<{ v: string | null }>(`select current_setting('roadshow.probe_limit', true) as v`)
    expect(row!.v ?? '').toBe('')
  })

  it('leaves the connection usable after copies of every size, one after the other', async () => {
    // results from a few bytes to a few hundred kilobytes: some end within the socket read
    // that filled the stream's buffer, which is what left the socket paused
    for (let limit = 1; limit <= 2000; limit = Math.ceil(limit * 1.15) + 1) {
      const file = path.join(dir, `size-${limit}.csv`)
      await source.copyToFile(`select id, label, note from sync_source_probe where id <= ${limit} order by id`, {}, file)
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /^\d+,/.test(l))
      expect(lines.length).toBe(limit)
      const [count] = await source.query<{ n: number }>('select count(*)::int as n from sync_source_probe where id <= $1', [limit])
      expect(count!.n).toBe(limit)
    }
  }, 120_000)

  if (serverUrl()) {
    it('the driver resumes the connection when a COPY ends with its stream full (porsager/postgres#917)', async () => {
      const [{ db: name }] = (await source.query<{ db: string }>('select current_database() as db')) as [{ db: string }]
      const url = new URL(serverUrl()!)
      url.pathname = `/${name}`
      const sql = postgres(url.toString(), { max: 1, onnotice: () => {} })
      try {
        for (let round = 0; round < 5; round++) {
          // ~60 KB: the whole COPY arrives before anyone reads the stream, so its buffer fills
          // (the socket is paused) and the COPY's end follows in the same read
          const stream = await sql.unsafe(`copy (select id, label, note from sync_source_probe where id <= 150 order by id) to stdout`).readable()
          await new Promise((resolve) => setTimeout(resolve, 50))
          let bytes = 0
          for await (const chunk of stream) bytes += (chunk as Buffer).length
          expect(bytes).toBeGreaterThan(16_384)
          const next = sql`select 1 as one`.then((rows) => rows[0]!.one)
          const stalled = new Promise((resolve) => setTimeout(() => resolve('stalled'), 5_000))
          expect(await Promise.race([next, stalled])).toBe(1)
        }
      } finally {
        await sql.end({ timeout: 1 })
      }
    }, 60_000)
  }
})
