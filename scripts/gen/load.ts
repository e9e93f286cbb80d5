import { finished } from 'node:stream/promises'
import type { PGlite } from '@electric-sql/pglite'
import type { Sql } from 'postgres'
import type { DbHandle } from '../../db/client'

/**
 * Bulk loading for the data generator: rows become CSV and go in by `COPY … FROM STDIN` on a
 * Postgres server, or `COPY … FROM '/dev/blob'` on PGlite, a few megabytes per statement —
 * each its own short transaction, so nothing is held open and memory stays flat.
 */

export type Cell = string | number | boolean | null | undefined

/** One CSV field: NULL unquoted and empty, text quoted when it must be (or is empty: '' is not NULL). */
export function csvField(value: Cell): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === '' || /[",\n\r]/.test(value)) return `"${value.replace(/"/g, '""')}"`
  return value
}

export type Loader = {
  copy: (table: string, columns: readonly string[], csv: string) => Promise<void>
  query: <T = Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<T[]>
}

export function loaderFor(handle: DbHandle): Loader {
  const client = (handle.db as unknown as { $client: unknown }).$client
  if (handle.kind === 'pglite') {
    const pg = client as PGlite
    return {
      async copy(table, columns, csv) {
        await pg.query(`COPY ${table} (${columns.join(', ')}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) })
      },
      query: async <T>(sql: string, params: unknown[] = []) => (await pg.query<T>(sql, params)).rows,
    }
  }
  const sql = client as Sql
  return {
    async copy(table, columns, csv) {
      const writable = await sql.unsafe(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FORMAT csv)`).writable()
      writable.end(csv)
      await finished(writable)
    },
    query: async <T>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params as never[])) as unknown as T[],
  }
}

/** Rows for one table, sent whenever a few megabytes have gathered. */
export class TableWriter {
  private parts: string[] = []
  private bytes = 0
  rows = 0

  constructor(
    private readonly loader: Loader,
    readonly table: string,
    private readonly columns: readonly string[],
    private readonly flushBytes = 8 * 1024 * 1024,
  ) {}

  async add(row: readonly Cell[]) {
    const line = row.map(csvField).join(',') + '\n'
    this.parts.push(line)
    this.bytes += line.length
    this.rows++
    if (this.bytes >= this.flushBytes) await this.flush()
  }

  async flush() {
    if (!this.parts.length) return
    const csv = this.parts.join('')
    this.parts = []
    this.bytes = 0
    await this.loader.copy(this.table, this.columns, csv)
  }
}
