import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { sqlList, type AnalyticsConnection } from '../duckdb'
import { fileLiteral } from '../file-literal'
import { runQuery, runStatement, defineQuery } from '../query'

/**
 * A person's erasure reaching the kept sales files (SPEC §8, PIPL; docs/decisions/008).
 *
 * A sales import's Parquet file is immutable for everything but this: the rows that carry
 * an erased person's keyed phone hash (or sale keys matchback tied to them) are written
 * again with the person's identifiers — phone hash, masked phone, name key — emptied.
 * The sale itself stays (the car was sold, its revenue and gross profit still count); it
 * just no longer points at anyone. The file keeps its name (the import's identity, not its
 * content) and is replaced by rename, so a reader sees the old file or the new, never half.
 */

/** The columns that identify the buyer. */
const PERSONAL_COLUMNS = ['phone_hash', 'phone_masked', 'name_key'] as const

export type ErasureKeys = {
  /** keyed phone hashes of the person (the lead and the leads merged into it) */
  phoneHashes: readonly string[]
  /** sale keys (VIN, else order number) matched to the person */
  saleKeys: readonly string[]
}

const affectedFilesQuery = (files: string[]) =>
  defineQuery<{ storeId: string; hashes: ReturnType<typeof sqlList>; saleKeys: ReturnType<typeof sqlList> }>()({
    name: 'sales.erasure.files',
    sql: `SELECT DISTINCT filename AS file FROM read_parquet([${files.map((f) => fileLiteral(f, '.parquet')).join(', ')}], filename = true, union_by_name = true)
          WHERE store_id = $storeId::UUID
            AND (phone_hash IN (SELECT unnest($hashes::VARCHAR[])) OR sale_key IN (SELECT unnest($saleKeys::VARCHAR[])))
            AND (phone_hash IS NOT NULL OR phone_masked IS NOT NULL OR name_key IS NOT NULL)`,
  })

/** The files among `files` holding a row of the person in the store. */
export async function salesFilesHolding(c: AnalyticsConnection, files: string[], storeId: string, keys: ErasureKeys): Promise<string[]> {
  const present = files.filter((f) => fs.existsSync(f))
  if (!present.length || (!keys.phoneHashes.length && !keys.saleKeys.length)) return []
  const rows = await runQuery(c, affectedFilesQuery(present), { storeId, hashes: sqlList([...keys.phoneHashes]), saleKeys: sqlList([...keys.saleKeys]) })
  return rows.map((r) => path.resolve(String((r as { file: unknown }).file)))
}

/**
 * Writes `file` again with the person's identifiers emptied on their rows, in the same
 * column order and row order; returns how many rows changed. The keys are bound into a
 * temporary table (COPY takes no parameters).
 */
export async function eraseFromSalesFile(c: AnalyticsConnection, file: string, storeId: string, keys: ErasureKeys): Promise<number> {
  const source = fileLiteral(file, '.parquet')
  for (const table of ['erase_scope', 'erase_hashes', 'erase_sale_keys']) await runStatement(c, 'sales.erasure.keys.drop', `DROP TABLE IF EXISTS temp.${table}`)
  await runStatement(c, 'sales.erasure.scope', 'CREATE TEMP TABLE erase_scope AS SELECT $storeId::UUID AS store_id', { storeId })
  await runStatement(c, 'sales.erasure.hashes', 'CREATE TEMP TABLE erase_hashes AS SELECT unnest($hashes::VARCHAR[]) AS h', { hashes: sqlList([...keys.phoneHashes]) })
  await runStatement(c, 'sales.erasure.sale-keys', 'CREATE TEMP TABLE erase_sale_keys AS SELECT unnest($keys::VARCHAR[]) AS k', { keys: sqlList([...keys.saleKeys]) })
  const person = `(store_id IN (SELECT store_id FROM temp.erase_scope) AND (phone_hash IN (SELECT h FROM temp.erase_hashes) OR sale_key IN (SELECT k FROM temp.erase_sale_keys)))`
  const [counted] = await runQuery(
    c,
    defineQuery()({ name: 'sales.erasure.count', sql: `SELECT count(*)::INTEGER AS n FROM read_parquet(${source}) WHERE ${person}` }),
    {},
  )
  const changed = Number((counted as { n?: unknown } | undefined)?.n ?? 0)
  if (!changed) return 0
  // the file's own columns, whatever version of the format wrote it; only the identifiers change
  const select = `* REPLACE (${PERSONAL_COLUMNS.map((name) => `CASE WHEN ${person} THEN NULL ELSE ${name} END AS ${name}`).join(', ')})`
  const temp = path.join(path.dirname(file), `${path.basename(file, '.parquet')}.erase-${crypto.randomBytes(4).toString('hex')}.tmp.parquet`)
  try {
    await runStatement(c, 'sales.erasure.rewrite', `COPY (SELECT ${select} FROM read_parquet(${source}) ORDER BY row_number) TO ${fileLiteral(temp)} (FORMAT parquet, COMPRESSION zstd)`)
    const handle = fs.openSync(temp, 'r')
    try {
      fs.fsyncSync(handle)
    } finally {
      fs.closeSync(handle)
    }
    fs.renameSync(temp, file)
    // the views over the file read it as it is now: a result computed before is stale
    c.db.dataChanged()
  } finally {
    fs.rmSync(temp, { force: true })
  }
  return changed
}
