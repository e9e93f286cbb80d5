import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {
  DERIVED_TABLES,
  readAppliedMigrations,
  readSequences,
  readTables,
  tableId,
  type Column,
  type MigrationRow,
  type TableInfo,
} from './catalog'
import { ident, qualified, type BackupConnection, type BackupTx } from './connection'
import { tableFile, type Manifest } from './manifest'

export type DumpResult = {
  serverVersion: string
  migrations: MigrationRow[]
  tables: Manifest['tables']
  derived: string[]
  sequences: Manifest['sequences']
  files: Manifest['files']
}

const bound = (prefix: string, i: number) => `roadshow.backup_${prefix}_${i}`
const castAll = (key: Column[], prefix: string) => key.map((k, i) => `cast(current_setting('${bound(prefix, i)}') as ${k.type})`).join(', ')
const keyList = (key: Column[]) => key.map((k) => ident(k.name)).join(', ')

/**
 * Writes one file per table under `dir` (COPY text: one row per line), in primary-key order,
 * in chunks of `chunkRows` rows: each chunk is bounded by the key of its last row, found with
 * a bound query first, so no chunk is ever held whole beyond what one COPY returns (PGlite
 * returns a COPY's output in one piece). Everything is read in one transaction, on a server
 * one repeatable-read snapshot, so the tables agree with one another while the app runs.
 */
export async function dumpDatabase(conn: BackupConnection, dir: string, options: { chunkRows: number }): Promise<DumpResult> {
  return conn.transaction(
    async (tx) => {
      const [version] = await tx.query<{ v: string }>('select version() as v')
      const migrations = await readAppliedMigrations(tx)
      const all = await readTables(tx)
      const tables: Manifest['tables'] = []
      const files: Manifest['files'] = []
      for (const table of all) {
        if (DERIVED_TABLES.has(tableId(table))) continue
        const file = tableFile(table.schema, table.name)
        const target = path.join(dir, ...file.split('/'))
        fs.mkdirSync(path.dirname(target), { recursive: true })
        const { rows, bytes, sha256 } = await dumpTable(tx, table, target, options.chunkRows)
        tables.push({ schema: table.schema, name: table.name, file, columns: table.columns, omitted: table.omitted, key: table.key, rows })
        files.push({ path: file, bytes, sha256 })
      }
      const sequences = (await readSequences(tx)).map(({ schema, name, lastValue }) => ({ schema, name, lastValue }))
      return {
        serverVersion: version?.v ?? 'unknown',
        migrations,
        tables,
        derived: all.filter((t) => DERIVED_TABLES.has(tableId(t))).map(tableId),
        sequences,
        files,
      }
    },
    { readOnlySnapshot: true },
  )
}

async function dumpTable(tx: BackupTx, table: TableInfo, file: string, chunkRows: number) {
  const hash = crypto.createHash('sha256')
  const fd = fs.openSync(file, 'wx', 0o600)
  let bytes = 0
  let rows = 0
  const write = (piece: Uint8Array) => {
    fs.writeSync(fd, piece)
    hash.update(piece)
    bytes += piece.length
    for (let i = piece.indexOf(10); i !== -1; i = piece.indexOf(10, i + 1)) rows++
  }
  try {
    const from = qualified(table.schema, table.name)
    // each value as its type's text output, which is what COPY writes (the session is pinned to
    // ISO dates in UTC and hex bytea: connection.ts); COPY FROM reads it back into the column's type
    const columns = table.columns.map((c) => `${ident(c.name)}::text`).join(', ')
    if (!table.key.length) {
      // no primary key to page by: one COPY, ordered by every column so that dumps compare
      await tx.copyOut(`select ${columns} from ${from} order by ${table.columns.map((c) => ident(c.name)).join(', ') || '1'}`, write)
    } else {
      const keys = keyList(table.key)
      let after: string[] | null = null
      for (;;) {
        // the key of the chunk's last row; none: the rest of the table is the last chunk
        const params: unknown[] = [chunkRows - 1]
        let where = ''
        if (after) {
          where = `where (${keys}) > (${table.key.map((k, i) => `cast($${i + 2} as ${k.type})`).join(', ')})`
          params.push(...after)
        }
        const [upto] = await tx.query(
          `select json_build_array(${table.key.map((k) => `${ident(k.name)}::text`).join(', ')}) as key from ${from} ${where} order by ${keys} offset $1 limit 1`,
          params,
        )
        const conditions: string[] = []
        if (after) {
          for (const [i, v] of after.entries()) await tx.query('select set_config($1, $2, true)', [bound('after', i), v])
          conditions.push(`(${keys}) > (${castAll(table.key, 'after')})`)
        }
        const uptoKey = upto ? (upto.key as string[]) : null
        if (uptoKey) {
          for (const [i, v] of uptoKey.entries()) await tx.query('select set_config($1, $2, true)', [bound('upto', i), v])
          conditions.push(`(${keys}) <= (${castAll(table.key, 'upto')})`)
        }
        const condition = conditions.length ? `where ${conditions.join(' and ')}` : ''
        await tx.copyOut(`select ${columns} from ${from} ${condition} order by ${keys}`, write)
        if (!uptoKey) break
        after = uptoKey
      }
    }
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  return { rows, bytes, sha256: hash.digest('hex') }
}
