import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Float64, Table, Utf8, vectorFromArray, tableToIPC } from 'apache-arrow'
import { sqlList, type AnalyticsConnection } from '../duckdb'
import { fileLiteral } from '../file-literal'
import { runStatement } from '../query'

/**
 * A chart's data as a table (SPEC §4: each chart's data downloads as CSV, Arrow and Parquet):
 * named columns of text or numbers, the same rows the chart draws. Arrow IPC is written with
 * apache-arrow; Parquet by DuckDB from the same columns bound as lists (no SQL text made from
 * the values).
 */
export type DataColumn = { name: string; type: 'text' | 'number' }
export type DataTable = { columns: DataColumn[]; rows: Array<Array<string | number | null>> }

const column = (t: DataTable, i: number) => t.rows.map((r) => r[i] ?? null)

/** The table as an Arrow IPC file (the "file" format, `.arrow`). */
export function toArrowIpc(t: DataTable): Uint8Array {
  const vectors = Object.fromEntries(
    t.columns.map((c, i) => [c.name, c.type === 'number' ? vectorFromArray(column(t, i) as Array<number | null>, new Float64()) : vectorFromArray(column(t, i).map((v) => (v == null ? null : String(v))), new Utf8())]),
  )
  return tableToIPC(new Table(vectors), 'file')
}

/** The table as a Parquet file (zstd), written by DuckDB into `tmpDir` and read back. */
export async function toParquet(c: AnalyticsConnection, t: DataTable, tmpDir: string): Promise<Buffer> {
  fs.mkdirSync(tmpDir, { recursive: true })
  const file = path.join(tmpDir, `export-${crypto.randomUUID()}.parquet`)
  const table = `_export_${crypto.randomUUID().replace(/-/g, '')}`
  const params = Object.fromEntries(t.columns.map((col, i) => [`c${i}`, sqlList(column(t, i) as Array<string | number | null>)]))
  // every column unnested side by side: one row per row of the table, in order
  const select = t.columns.map((col, i) => `unnest(CAST($c${i} AS ${col.type === 'number' ? 'DOUBLE' : 'VARCHAR'}[])) AS "${col.name.replace(/"/g, '""')}"`).join(', ')
  try {
    await runStatement(c, 'export.table', `CREATE TEMP TABLE ${table} AS SELECT ${select}`, params)
    await runStatement(c, 'export.parquet', `COPY ${table} TO ${fileLiteral(file, '.parquet')} (FORMAT parquet, COMPRESSION zstd)`)
    return fs.readFileSync(file)
  } finally {
    await runStatement(c, 'export.drop', `DROP TABLE IF EXISTS ${table}`).catch(() => undefined)
    fs.rmSync(file, { force: true })
  }
}
