import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core'
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

export type DbHandle = {
  db: Db
  kind: 'pglite' | 'postgres'
  /** run all committed drizzle-kit migrations (idempotent) */
  migrate: () => Promise<void>
  close: () => Promise<void>
}

export const migrationsFolder = path.resolve('db/migrations')

export function wrapPglite(client: PGlite, release: () => void = () => {}): DbHandle {
  const db = drizzlePglite({ client, schema }) as unknown as Db
  return {
    db,
    kind: 'pglite',
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
  }
}

export async function openDatabase(config: DbConfig = readDbConfig()): Promise<DbHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl)
  const release = lockDataDir(config.pgliteDir)
  try {
    const client = await PGlite.create({ dataDir: config.pgliteDir })
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
