import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sql, type SQL } from 'drizzle-orm'
import { createPglite, openPostgres, rowsOf, wrapPglite, type DbHandle } from '../../db/client'
import { dealerGroups, jobs, stores } from '../../db/schema'
import { pgSource } from '../../analytics/sync/source'
import { registeredSalesFiles } from '../../analytics/sync/sales-views'
import { sleep } from './collect-load'
import { makeDataDir, postgresReachable, scratchDatabase, startServer, type RoadshowServer } from './harness'

/**
 * SPEC §8, "kill -9 during an import leaves no partial import; the import can be retried", for
 * the sales import as a user starts it: a queued job that the production server (`node
 * server.js`) runs in its job runner, killed with SIGKILL while it reads and stages a 200,000-row
 * export — on the embedded database and on a Postgres server. Nothing of the killed run is
 * registered (the analytical `sales` views read only completed imports); the next server takes
 * the job up again by itself and imports every row once.
 */

const ROWS = 200_000
// every fourth row has an impossible date: rejected with its row number
const REJECTED = ROWS / 4

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
})

function exportBytes() {
  const lines = ['订单号,开票日期,车型,成交价,手机']
  for (let i = 0; i < ROWS; i++) {
    const date = i % 4 === 3 ? '2026-02-30' : `2026-10-${String(1 + (i % 28)).padStart(2, '0')}`
    lines.push(`SO-${i},${date},途观L 330TSI,${180000 + (i % 5000)},139${String(10_000_000 + i)}`)
  }
  return Buffer.from(lines.join('\n') + '\n')
}

const listDir = (d: string) => (fs.existsSync(d) ? fs.readdirSync(d) : [])

type Kind = 'pglite' | 'postgres'
const kinds: Kind[] = ['pglite', ...((await postgresReachable()) || process.env.CI === 'true' ? (['postgres'] as const) : [])]

describe('kill -9 of the server during a sales import', () => {
  for (const kind of kinds) {
    it(`(${kind}) leaves nothing of the import registered; the job runs again by itself and imports every row once`, { timeout: 6 * 60_000 }, async () => {
      const dataDir = makeDataDir()
      cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }))
      let databaseUrl: string | undefined
      if (kind === 'postgres') {
        const scratch = await scratchDatabase('roadshow_killimport')
        cleanups.push(scratch.drop)
        databaseUrl = scratch.url
      }
      const open = async (): Promise<DbHandle> => (databaseUrl ? openPostgres(databaseUrl, { max: 1 }) : wrapPglite(await createPglite({ dataDir: path.join(dataDir, 'pg') })))

      // a store, its export kept as an upload keeps it, and the import queued as the import page queues it
      const bytes = exportBytes()
      const fileHash = crypto.createHash('sha256').update(bytes).digest('hex')
      fs.mkdirSync(path.join(dataDir, 'imports'), { recursive: true })
      fs.writeFileSync(path.join(dataDir, 'imports', `${fileHash}.csv`), bytes)
      let handle = await open()
      let jobId: string
      try {
        await handle.migrate()
        const [group] = await handle.db.insert(dealerGroups).values({ name: '演示经销商集团' }).returning()
        const [store] = await handle.db.insert(stores).values({ groupId: group!.id, name: '杭州西湖大众4S店', brand: '大众', city: '杭州' }).returning()
        const [job] = await handle.db
          .insert(jobs)
          .values({
            kind: 'sales_import',
            storeId: store!.id,
            input: { storeId: store!.id, fileHash, ext: 'csv', fileName: '2026-10 销售明细.csv', mapping: null, createdById: null },
          })
          .returning()
        jobId = job!.id
      } finally {
        await handle.close()
      }

      const env = { SEED_DEMO: 'false', LOG_LEVEL: 'info', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) }
      const first: RoadshowServer = await startServer({ dataDir, env })
      cleanups.push(() => first.stop())
      // killed while it reads, checks and stages the rows (megabytes of them written)
      const tmp = path.join(dataDir, 'tmp')
      const staged = () => listDir(tmp).filter((f) => f.startsWith('sales-') && !f.includes('.rows.'))
      const deadline = Date.now() + 120_000
      while (Date.now() < deadline && !staged().some((f) => (fs.statSync(path.join(tmp, f), { throwIfNoEntry: false })?.size ?? 0) > 2_000_000)) {
        expect(first.child.exitCode, first.output().slice(-2000)).toBeNull()
        await sleep(20)
      }
      expect(staged().length, 'the import was staging rows').toBeGreaterThan(0)
      first.child.kill('SIGKILL')
      expect(await first.exited).toBe('SIGKILL')

      // what the dead server left: no import done, nothing registered, no sales file under its final name
      handle = await open()
      try {
        const { rows: left } = await rawQuery<{ status: string }>(handle, sql`select status from imports where kind = 'sales'`)
        expect(left.filter((r) => r.status === 'done')).toEqual([])
        expect(await registeredSalesFiles(pgSource(handle), dataDir)).toEqual([])
        expect(listDir(path.join(dataDir, 'imports', 'sales')).filter((f) => f.endsWith('.parquet') && !f.endsWith('.tmp.parquet'))).toEqual([])
      } finally {
        await handle.close()
      }

      // the next server: the job left running by the dead one is queued again (at once on the
      // embedded database; on a server once its heartbeat is stale) and runs to its end
      const second: RoadshowServer = await startServer({ dataDir, env })
      cleanups.push(() => second.stop())
      let status = ''
      const until = Date.now() + 4 * 60_000
      while (Date.now() < until) {
        expect(second.child.exitCode, second.output().slice(-2000)).toBeNull()
        // the database may be the server's own (PGlite) while it runs: the job's end is read from its log
        status = /"msg":"job done"/.test(second.output()) ? 'done' : /"msg":"job failed"/.test(second.output()) ? 'failed' : ''
        if (status === 'done' || status === 'failed') break
        await sleep(500)
      }
      expect(status, second.output().slice(-3000)).toBe('done')
      await second.stop()

      handle = await open()
      try {
        const { rows: after } = await rawQuery<{ id: string; status: string; parquet_path: string | null; rows_imported: number; rows_failed: number }>(
          handle,
          sql`select id, status, parquet_path, rows_imported, rows_failed from imports where kind = 'sales' order by created_at`,
        )
        const { rows: jobRows } = await rawQuery<{ status: string; attempts: number }>(handle, sql`select status, attempts from jobs where id = ${jobId}`)
        expect(jobRows[0], JSON.stringify(after)).toMatchObject({ status: 'done', attempts: 2 })
        const done = after.filter((r) => r.status === 'done')
        expect(done).toHaveLength(1)
        expect(done[0]).toMatchObject({ rows_imported: ROWS - REJECTED, rows_failed: REJECTED })
        // the killed run never became an import of its own beside it
        expect(after.filter((r) => r.status === 'pending')).toEqual([])
        const { rows: outcomes } = await rawQuery<{ import_id: string; n: number }>(
          handle,
          sql`select import_id, count(*)::int as n from import_rows where import_id in (select id from imports where kind = 'sales') group by import_id`,
        )
        expect(outcomes).toEqual([{ import_id: done[0]!.id, n: REJECTED }])
        expect(await registeredSalesFiles(pgSource(handle), dataDir)).toEqual([path.resolve(dataDir, done[0]!.parquet_path!)])
      } finally {
        await handle.close()
      }
    })
  }
})

async function rawQuery<T>(handle: DbHandle, query: SQL): Promise<{ rows: T[] }> {
  return { rows: rowsOf<T>(await handle.db.execute(query)) }
}
