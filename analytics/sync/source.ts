import fs from 'node:fs'
import type { PGlite } from '@electric-sql/pglite'
import type { Sql } from 'postgres'
import type { DbHandle } from '../../db/client'

/**
 * How the sync reads Postgres: small queries, and chunks copied out as CSV
 * (`COPY (SELECT …) TO STDOUT`, or PGlite's `/dev/blob`) straight into a file that DuckDB
 * loads in bulk. Each chunk is one short transaction of its own (no snapshot or lock is held
 * between chunks: on PGlite a long transaction would stall every request). COPY takes no
 * bind parameters, so a chunk's values (watermark, last key, limit) travel as transaction-
 * local settings written with `set_config($1, $2, true)` and read by `current_setting()`
 * in the query: bound values, never SQL text.
 */
export type PgSource = {
  kind: 'pglite' | 'postgres'
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
  /** Runs `COPY (<select>) TO … (FORMAT csv)` in one short transaction with these settings; writes the CSV to `file`. */
  copyToFile(select: string, settings: Record<string, string>, file: string): Promise<void>
}

export function pgSource(handle: DbHandle): PgSource {
  const client = (handle.db as unknown as { $client: unknown }).$client
  if (handle.kind === 'pglite') {
    const pg = client as PGlite
    return {
      kind: 'pglite',
      query: async <T>(sql: string, params: unknown[] = []) => (await pg.query<T>(sql, params)).rows,
      async copyToFile(select, settings, file) {
        const blob = await pg.transaction(async (tx) => {
          for (const [name, value] of Object.entries(settings)) await tx.query('select set_config($1, $2, true)', [name, value])
          const result = await tx.query(`copy (${select}) to '/dev/blob' with (format csv)`)
          return result.blob
        })
        await fs.promises.writeFile(file, blob ? Buffer.from(await blob.arrayBuffer()) : '')
      },
    }
  }
  const sql = client as Sql
  return {
    kind: 'postgres',
    query: async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[],
    async copyToFile(select, settings, file) {
      // Not `COPY … TO STDOUT` here: postgres.js pauses the socket when its COPY stream's
      // buffer fills and can end the stream with the socket still paused
      // (porsager/postgres#917), and the connection's next query then never completes — a
      // sync or a rebuild hung at random. The rows come instead as the server's own text
      // (`raw()`: no parsing into JS values) through a cursor, and are written as the CSV
      // COPY would write: NULL empty, text quoted when it must be (and "" for an empty
      // string), so DuckDB reads exactly what it read before.
      await sql.begin(async (tx) => {
        for (const [name, value] of Object.entries(settings)) await tx`select set_config(${name}, ${value}, true)`
        const fd = fs.openSync(file, 'w')
        try {
          await tx.unsafe(select).raw().cursor(CURSOR_ROWS, (rows) => {
            let text = ''
            for (const row of rows as unknown as Array<Array<Buffer | null>>) text += csvLine(row)
            fs.writeSync(fd, text)
          })
        } finally {
          fs.closeSync(fd)
        }
      })
    },
  }
}

/** Rows fetched per round trip when a chunk is read through a cursor. */
const CURSOR_ROWS = 5_000

/** One CSV line from the server's text values, as `COPY … (FORMAT csv)` writes it. */
function csvLine(row: Array<Buffer | null>) {
  let line = ''
  for (let i = 0; i < row.length; i++) {
    if (i) line += ','
    const value = row[i]
    if (value === null || value === undefined) continue
    const text = value.toString('utf8')
    line += text === '' || /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  return line + '\n'
}
