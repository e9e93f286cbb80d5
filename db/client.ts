import path from 'node:path'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import type { SQL } from 'drizzle-orm'
import type { PgDatabase, PgDialect, PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js'
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator'
import postgres from 'postgres'
import { readDbConfig, type DbConfig } from './config'
import { lockDataDir } from './lock'
import * as schema from './schema'

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>
/** A transaction handle has the same query API as the database itself. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0]
export type DbOrTx = Db | Tx

/** drizzle's execute answers an array on postgres-js and `{ rows }` on PGlite */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[]
}

/**
 * A statement of fixed text run as a prepared statement on a Postgres server: parsed and
 * planned once per connection, then one round trip a run. Drizzle sends every other query
 * unnamed, so the driver asks the server to describe it first (two round trips; for the
 * collector's write, a tenth of the server's CPU in socket writes). Only for hot statements
 * whose text never varies: each connection keeps every distinct text it prepared. On PGlite
 * (no round trips) it is `db.execute`.
 */
export async function executePrepared<T>(db: Db, query: SQL): Promise<T[]> {
  const client = (db as unknown as { $client?: unknown }).$client
  if (typeof (client as { unsafe?: unknown })?.unsafe !== 'function') return rowsOf<T>(await db.execute(query))
  const { sql: text, params } = (db as unknown as { dialect: PgDialect }).dialect.sqlToQuery(query)
  const rows = await (client as postgres.Sql).unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })
  return rows as unknown as T[]
}

export type DbHandle = {
  db: Db
  kind: 'pglite' | 'postgres'
  /** run all committed drizzle-kit migrations (idempotent) */
  migrate: () => Promise<void>
  close: () => Promise<void>
  /**
   * Resolves once no other work has used the database for `quietMs`, nor been `busy` (requests
   * on their way to it: app/utils/foreground.server.ts), or after `maxWaitMs` whatever the traffic. A long job that works in short transactions calls it between two:
   * on PGlite (one connection) the requests that queued behind its last transaction then run
   * all their queries — a page asks several in turn — before the job's next transaction; on a
   * Postgres server other requests have their own connections and it resolves at once.
   */
  quiet: (quietMs: number, maxWaitMs: number, busy?: () => boolean) => Promise<void>
}

export const migrationsFolder = path.resolve('db/migrations')

/**
 * Counts the statements and transactions in flight on a PGlite client, and when the last one
 * began or ended: what `quiet` waits on. drizzle calls `query` and `transaction` on the client
 * for every statement, so wrapping the instance's methods sees all of them.
 */
function trackActivity(client: PGlite) {
  let inFlight = 0
  let calls = 0
  let lastActive = 0
  for (const method of ['query', 'exec', 'transaction'] as const) {
    const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>
    Object.defineProperty(client, method, {
      configurable: true,
      writable: true,
      value: async (...args: unknown[]) => {
        inFlight++
        calls++
        lastActive = performance.now()
        try {
          return await original(...args)
        } finally {
          inFlight--
          lastActive = performance.now()
        }
      },
    })
  }
  return async (quietMs: number, maxWaitMs: number, busy: () => boolean = () => false) => {
    const deadline = performance.now() + maxWaitMs
    const callsBefore = calls
    const waiting = inFlight
    await new Promise((resolve) => setImmediate(resolve))
    // nobody waited for the connection, nobody asked since and nobody is on the way: no one to make way for
    if (!waiting && !inFlight && calls === callsBefore && !busy()) return
    // the requests that queued meanwhile get the connection first, then quiet for quietMs
    for (;;) {
      const now = performance.now()
      if (now >= deadline) return
      if (busy()) lastActive = now
      const quietFor = inFlight ? 0 : now - lastActive
      if (quietFor >= quietMs) return
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(quietMs - quietFor, deadline - now))))
    }
  }
}

export function wrapPglite(client: PGlite, release: () => void = () => {}): DbHandle {
  const quiet = trackActivity(client)
  const db = drizzlePglite({ client, schema }) as unknown as Db
  return {
    db,
    kind: 'pglite',
    quiet,
    migrate: async () => {
      await migratePglite(db as never, { migrationsFolder })
    },
    close: async () => {
      await client.close()
      release()
    },
  }
}

/** pg_advisory_lock key held while migrations run on a Postgres server ('road' in ASCII) */
const MIGRATION_LOCK_KEY = 0x726f6164

export function openPostgres(url: string, options: { max?: number } = {}): DbHandle {
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {} })
  const db = drizzlePostgres({ client, schema }) as unknown as Db
  return {
    db,
    kind: 'postgres',
    migrate: async () => {
      // several app processes may start together against one server: one migrates, the
      // others wait. The lock lives on its own connection so that the migrator can use
      // the pool even when the pool has a single connection.
      const lock = postgres(url, { max: 1, onnotice: () => {} })
      try {
        await lock`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`
        await migratePostgres(db as never, { migrationsFolder })
      } finally {
        await lock.end({ timeout: 5 })
      }
    },
    close: () => client.end({ timeout: 5 }),
    quiet: () => new Promise((resolve) => setImmediate(resolve)),
  }
}

/**
 * An embedded database with the extensions the schema uses: pg_trgm serves the leads search
 * (migration 0020, ADR 032), and a PGlite has an extension only when created with it — a data
 * directory whose indexes use it cannot take a write without it. Every PGlite is made here.
 */
export function createPglite(options: Omit<PGliteOptions, 'extensions'> = {}) {
  return PGlite.create({ ...options, extensions: { pg_trgm } })
}

export async function openDatabase(config: DbConfig = readDbConfig()): Promise<DbHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl)
  const release = lockDataDir(config.pgliteDir)
  try {
    const client = await createPglite({ dataDir: config.pgliteDir })
    return wrapPglite(client, release)
  } catch (error) {
    release()
    throw error
  }
}

let current: Promise<DbHandle> | undefined
let opener: () => Promise<DbHandle> = async () => {
  const handle = await openDatabase()
  await handle.migrate()
  return handle
}

/** The process-wide database, opened (and migrated) on first use. */
export function getDbHandle(): Promise<DbHandle> {
  current ??= opener()
  return current
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db
}

/** Tests give each file its own database, opened only if the file uses one. */
export function setDbOpener(open: () => Promise<DbHandle>) {
  opener = open
  current = undefined
}

export function currentDbHandle() {
  return current
}
