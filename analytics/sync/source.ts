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
      // COPY … TO STDOUT, the stream consumed as it comes and written in pieces of 1 MB. The
      // driver used to leave the socket paused when a COPY's last data and its end came in
      // one read with the stream's buffer full, so that the connection's next query never
      // completed (porsager/postgres#917); scripts/patch-dependencies.mjs resumes the socket
      // at the end, and a test holds it. Reading the rows through a cursor instead and
      // writing them as CSV in JavaScript cost the rebuild 2.6× (ADR 013).
      await sql.begin(async (tx) => {
        for (const [name, value] of Object.entries(settings)) await tx`select set_config(${name}, ${value}, true)`
        const stream = await tx.unsafe(`copy (${select}) to stdout with (format csv)`).readable()
        const fd = fs.openSync(file, 'w')
        try {
          await new Promise<void>((resolve, reject) => {
            const parts: Buffer[] = []
            let size = 0
            // a write that fails (a full disk) fails the copy once the stream has ended: the
            // stream is read to its end all the same, so that the connection stays usable
            let failure: Error | null = null
            const flush = () => {
              try {
                if (size && !failure) fs.writeSync(fd, parts.length === 1 ? parts[0]! : Buffer.concat(parts, size))
              } catch (error) {
                failure = error as Error
              }
              parts.length = 0
              size = 0
            }
            stream.on('data', (chunk: Buffer) => {
              parts.push(chunk)
              size += chunk.length
              if (size >= WRITE_BYTES) flush()
            })
            stream.once('end', () => {
              flush()
              if (failure) reject(failure)
              else resolve()
            })
            stream.once('error', reject)
          })
        } finally {
          fs.closeSync(fd)
        }
      })
    },
  }
}

/** A chunk's file is written in pieces of this size. */
const WRITE_BYTES = 1 << 20
