import { and, eq, sql } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { importMappings, type RememberedImportColumn } from '../../db/schema'

/**
 * The mapping a store last confirmed for an import kind other than sales (market data,
 * competitor observations), remembered (SPEC §4: "the mapping is remembered per store") by
 * header text rather than by position: next month's file may add or move a column, and the
 * columns that read the same keep the store's choice — a column left out included.
 */

/** Keeps the columns an import used (each header with its field, or null: left out) as the store's for this kind. */
export async function rememberImportMapping(storeId: string, kind: string, columns: readonly RememberedImportColumn[], userId: string | null) {
  const remembered = columns.filter((c) => c.header)
  const db = await getDb()
  await db
    .insert(importMappings)
    .values({ storeId, kind, columns: remembered, updatedById: userId })
    .onConflictDoUpdate({ target: [importMappings.storeId, importMappings.kind], set: { columns: remembered, updatedById: userId, updatedAt: sql`now()` } })
}

/**
 * The store's remembered columns of this kind found again in a file's headers: each by its
 * header exactly, else by `key` (a normalized form), each header at most once. Empty when
 * nothing is remembered or no header reads the same.
 */
export async function findRememberedColumns(
  storeId: string,
  kind: string,
  headers: readonly string[],
  key: (header: string) => string,
): Promise<Array<{ index: number; field: string | null }>> {
  const db = await getDb()
  const [row] = await db
    .select({ columns: importMappings.columns })
    .from(importMappings)
    .where(and(eq(importMappings.storeId, storeId), eq(importMappings.kind, kind)))
  if (!row) return []
  const taken = new Set<number>()
  const found: Array<{ index: number; field: string | null }> = []
  for (const r of row.columns) {
    let at = headers.findIndex((h, i) => !taken.has(i) && h === r.header)
    if (at < 0) at = headers.findIndex((h, i) => !taken.has(i) && !!h && key(h) === key(r.header))
    if (at < 0) continue
    taken.add(at)
    found.push({ index: at, field: r.field })
  }
  return found.sort((a, b) => a.index - b.index)
}
