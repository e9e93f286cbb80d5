import { eq, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { salesMappings, type RememberedSalesColumn } from '../../db/schema'
import { guessSalesMapping, SalesMappingSchema, type SalesColumn } from '../../analytics/ingest/sales-headers'
import { normalizeSalesHeader } from '../../analytics/ingest/sales-headers'

/**
 * The sales-export mapping a store confirmed, remembered (SPEC §4) by header text rather
 * than by position: next month's export may add or move a column, and the columns that read
 * the same keep the store's choice.
 */

/** Keeps the mapping an import used as the store's. */
export async function rememberSalesMapping(storeId: string, headers: readonly string[], columns: readonly SalesColumn[], userId: string | null) {
  const remembered: RememberedSalesColumn[] = columns
    .filter((c) => headers[c.index])
    .map((c) => ({ header: headers[c.index]!, field: c.field, scale: c.scale }))
  const db = await getDb()
  await db
    .insert(salesMappings)
    .values({ storeId, columns: remembered, updatedById: userId })
    .onConflictDoUpdate({ target: salesMappings.storeId, set: { columns: remembered, updatedById: userId, updatedAt: sql`now()` } })
}

export type OfferedSalesMapping = {
  columns: SalesColumn[]
  /** where the offer came from: the store's last confirmed mapping (for some columns at least), or the guess alone */
  source: 'remembered' | 'guessed'
}

/**
 * The mapping to offer for a file with these headers: each remembered column found again by
 * its header (exactly, else by its normalized form), the guess for the fields it leaves open.
 */
export async function rememberedSalesMapping(storeId: string, headers: readonly string[]): Promise<OfferedSalesMapping> {
  const guess = guessSalesMapping(headers).columns.map(({ index, field, scale }) => ({ index, field, scale }))
  const db = await getDb()
  const [row] = await db.select({ columns: salesMappings.columns }).from(salesMappings).where(eq(salesMappings.storeId, storeId))
  if (!row) return { columns: guess, source: 'guessed' }
  const key = (h: string) => normalizeSalesHeader(h).key
  const taken = new Set<number>()
  const fields = new Set<string>()
  const columns: SalesColumn[] = []
  for (const r of row.columns) {
    let at = headers.findIndex((h, i) => !taken.has(i) && h === r.header)
    if (at < 0) at = headers.findIndex((h, i) => !taken.has(i) && h && key(h) === key(r.header))
    if (at < 0 || fields.has(r.field)) continue
    taken.add(at)
    fields.add(r.field)
    columns.push({ index: at, field: r.field as SalesColumn['field'], scale: r.scale })
  }
  if (!columns.length) return { columns: guess, source: 'guessed' }
  for (const g of guess) if (!taken.has(g.index) && !fields.has(g.field)) columns.push(g)
  columns.sort((a, b) => a.index - b.index)
  return { columns: SalesMappingSchema.parse(columns), source: 'remembered' }
}
