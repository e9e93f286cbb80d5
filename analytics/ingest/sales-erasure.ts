import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { z } from 'zod'
import { newGenerationPath, pointLiveAt, sqlList, type AnalyticsConnection, type AnalyticsDb } from '../duckdb'
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
 * The analytical copy, which read those rows, is then written into a new file of its live
 * rows (`copyLiveRowsToNewGeneration`, below).
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

const currentCatalog = defineQuery()({ name: 'erasure.copy.catalog', sql: 'SELECT current_database() AS name' })

/**
 * The analytical copy after an erasure: the person's rows are deleted by the sync, but DuckDB
 * leaves a deleted row's bytes in the blocks it was in — a CHECKPOINT frees those blocks
 * without clearing them, and a table rewritten in place goes to other blocks of the same file
 * (checked with 1.5). So the live rows are copied (`COPY FROM DATABASE`: tables, views,
 * macros and keys, in one snapshot) into a new generation file, built under a name no
 * process opens and renamed once complete, and the live name is pointed at it. The process
 * holding the old file closes and deletes it when it next syncs (`reopenIfReplaced`); a
 * sync that commits to the old file meanwhile is read again from Postgres by the next one,
 * since the new file carries the watermark of the snapshot it was copied from.
 * Returns the new file.
 */
export async function copyLiveRowsToNewGeneration(db: AnalyticsDb, live: string): Promise<string> {
  const target = newGenerationPath(live)
  const building = `${target}.building`
  const alias = 'erasure_copy'
  try {
    await db.withConnection(async (c) => {
      const [row] = await runQuery(c, currentCatalog, {})
      const catalog = z.object({ name: z.string().min(1) }).parse(row).name
      await runStatement(c, 'erasure.copy.attach', `ATTACH ${fileLiteral(building)} AS ${alias}`)
      try {
        // the catalog's name is the file's (analytics-<stamp>): ours, quoted as an identifier
        await runStatement(c, 'erasure.copy.rows', `COPY FROM DATABASE "${catalog.replace(/"/g, '""')}" TO ${alias}`)
        await runStatement(c, 'erasure.copy.checkpoint', `CHECKPOINT ${alias}`)
      } finally {
        await runStatement(c, 'erasure.copy.detach', `DETACH ${alias}`)
      }
    })
    fs.rmSync(`${building}.wal`, { force: true }) // detached after a checkpoint: nothing in it
    fs.renameSync(building, target)
  } catch (error) {
    fs.rmSync(building, { force: true })
    fs.rmSync(`${building}.wal`, { force: true })
    throw error
  }
  pointLiveAt(live, target)
  return target
}
