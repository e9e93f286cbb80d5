import fs from 'node:fs'
import path from 'node:path'
import { readMigrationFiles } from 'drizzle-orm/migrator'
import { z } from 'zod'
import { dropAppObjects, MIGRATIONS_SCHEMA, MIGRATIONS_TABLE, readForeignKeys, readSequences, readTables, tableId } from './catalog'
import { ident, qualified, type BackupConnection, type BackupTx } from './connection'
import { BackupError, type Manifest } from './manifest'

type Migration = ReturnType<typeof readMigrationFiles>[number]

export function codeMigrations(migrationsFolder: string) {
  const migrations = readMigrationFiles({ migrationsFolder })
  const journal = z
    .object({ entries: z.array(z.object({ tag: z.string(), when: z.number() })) })
    .parse(JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')))
  return migrations.map((m, i) => ({ ...m, tag: journal.entries[i]?.tag ?? null }))
}

/**
 * The migrations that bring an empty database to the level the archive's rows were written
 * at: the first `count` of this code's, provided they are the same migrations (drizzle knows
 * a migration by its folder timestamp). A level this code does not know is refused.
 */
export function migrationsUpTo(manifest: Manifest, known: Array<Migration & { tag: string | null }>) {
  const { count, last } = manifest.database.migrations
  const lastTag = last?.tag ?? (last ? String(last.createdAt) : 'none')
  if (count > known.length || (last && known[count - 1]?.folderMillis !== last.createdAt)) {
    throw new BackupError(
      `The archive's database is at migration ${lastTag} (${count} migrations), which this version of Roadshow does not know ` +
        `(it knows ${known.length}, up to ${known.at(-1)?.tag ?? 'none'}): restore it with the version that made it, or a newer one.`,
    )
  }
  return known.slice(0, count)
}

export type LoadProgress = (info: { table: string; rows: number }) => void

function countLines(buf: Buffer) {
  let n = 0
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) n++
  return n
}

/** Splits COPY text into pieces of whole lines of at least `size` bytes (a raw newline only ever ends a row). */
async function* lineChunks(file: string, size: number): AsyncGenerator<{ data: Buffer; rows: number }> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  for await (const piece of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    pending.push(piece as Buffer)
    pendingBytes += (piece as Buffer).length
    if (pendingBytes < size) continue
    const all = Buffer.concat(pending)
    const cut = all.lastIndexOf(10) + 1
    if (cut === 0) {
      pending = [all] // one row longer than a chunk: read on
      continue
    }
    const data = all.subarray(0, cut)
    yield { data, rows: countLines(data) }
    const rest = Buffer.from(all.subarray(cut))
    pending = rest.length ? [rest] : []
    pendingBytes = rest.length
  }
  const data = Buffer.concat(pending)
  if (!data.length) return
  if (data[data.length - 1] !== 10) throw new BackupError('A table file of the archive ends in the middle of a row.')
  yield { data, rows: countLines(data) }
}

export type LoadResult = { rows: number; tables: Record<string, number> }

/**
 * Restores the dump into the database in one transaction: empties the app's schemas, applies
 * the migrations up to the archive's level, loads every table with COPY (foreign keys dropped
 * meanwhile and added back after, so the order of tables does not matter and every reference
 * is checked once at the end; user triggers off, so nothing rewrites a restored row), and
 * sets every sequence past the highest value in use. Any failure rolls all of it back: the
 * database is as it was. Columns left out of the dump get their defaults: `sync_xid` the
 * restoring transaction's id, generated columns their value.
 */
export async function loadDatabase(
  conn: BackupConnection,
  dir: string,
  manifest: Manifest,
  migrations: Migration[],
  options: { chunkBytes: number; onTable?: LoadProgress },
): Promise<LoadResult> {
  return conn.transaction(async (tx) => {
    await dropAppObjects(tx)
    // drizzle's migration log, made as drizzle's migrator makes it; its rows come from the archive
    await tx.exec(`create schema if not exists ${ident(MIGRATIONS_SCHEMA)}`)
    await tx.exec(`create table if not exists ${qualified(MIGRATIONS_SCHEMA, MIGRATIONS_TABLE)} (id serial primary key, hash text not null, created_at bigint)`)
    for (const migration of migrations) for (const statement of migration.sql) if (statement.trim()) await tx.exec(statement)

    const foreignKeys = await readForeignKeys(tx)
    for (const fk of foreignKeys) await tx.exec(`alter table ${fk.table} drop constraint ${ident(fk.name)}`)
    const present = new Map((await readTables(tx)).map((t) => [tableId(t), t]))
    const result: LoadResult = { rows: 0, tables: {} }
    for (const table of manifest.tables) {
      const id = tableId(table)
      const target = present.get(id)
      if (!target) throw new BackupError(`The archive holds table ${id}, which its migration level does not create: the archive does not match this code's migrations.`)
      const missing = table.columns.filter((c) => !target.columns.some((t) => t.name === c.name))
      if (missing.length) throw new BackupError(`Table ${id} of the archive has columns its migration level does not create (${missing.map((c) => c.name).join(', ')}).`)
      const rows = await loadTable(tx, table, path.join(dir, ...table.file.split('/')), options.chunkBytes)
      if (rows !== table.rows) throw new BackupError(`Table ${id}: the archive's file holds ${rows} rows, its manifest says ${table.rows}.`)
      result.tables[id] = rows
      result.rows += rows
      options.onTable?.({ table: id, rows })
    }
    for (const fk of foreignKeys) await tx.exec(`alter table ${fk.table} add constraint ${ident(fk.name)} ${fk.definition}`)
    await restoreSequences(tx, manifest)
    return result
  })
}

async function loadTable(tx: BackupTx, table: Manifest['tables'][number], file: string, chunkBytes: number) {
  const name = qualified(table.schema, table.name)
  const target = `${name} (${table.columns.map((c) => ident(c.name)).join(', ')})`
  await tx.exec(`alter table ${name} disable trigger user`)
  let rows = 0
  try {
    for await (const chunk of lineChunks(file, chunkBytes)) {
      await tx.copyIn(target, chunk.data)
      rows += chunk.rows
    }
  } catch (error) {
    if (error instanceof BackupError) throw error
    throw new BackupError(`Loading table ${tableId(table)} failed: ${(error as Error).message}`)
  }
  await tx.exec(`alter table ${name} enable trigger user`)
  return rows
}

/** Each sequence continues after both the value it had at backup and the highest value in its column. */
async function restoreSequences(tx: BackupTx, manifest: Manifest) {
  const saved = new Map(manifest.sequences.map((s) => [`${s.schema}.${s.name}`, s.lastValue]))
  for (const seq of await readSequences(tx)) {
    const values: bigint[] = []
    const kept = saved.get(`${seq.schema}.${seq.name}`)
    if (kept) values.push(BigInt(kept))
    if (seq.owner) {
      const [row] = await tx.query<{ max: string | null }>(
        `select max(${ident(seq.owner.column)})::text as max from ${qualified(seq.owner.schema, seq.owner.table)}`,
      )
      if (row?.max) values.push(BigInt(row.max))
    }
    if (!values.length) continue
    const next = values.reduce((a, b) => (a > b ? a : b))
    await tx.query('select setval($1::regclass, $2::bigint, true)', [qualified(seq.schema, seq.name), next.toString()])
  }
}
