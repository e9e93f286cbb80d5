import { and, count, desc, eq, inArray } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { imports, stores, users } from '../../db/schema'
import type { MarketField } from '../../analytics/ingest/market-record'
import { monthOfHeader } from '../../analytics/ingest/market-values'
import { canReadStore, type SessionUser } from '../utils/auth.server'
import { notFound } from '../utils/http.server'
import { describeImportJob, getJob, jobCreatorName, listOpenJobs, type ImportJob } from './jobs.server'
import { MARKET_IMPORT_JOB } from './market-import-job.server'
import { MARKET_IMPORT_KIND, type MarketImportDetails } from './market-import.server'

/**
 * What the market-data pages read (SPEC §5): the market imports and their jobs, from Postgres,
 * scoped to the user's stores. The figures themselves are read from the analytical store by
 * the analyses (the `market_units` view).
 */

export const MARKET_IMPORTS_PAGE_SIZE = 20

const details = (mapping: unknown): Partial<MarketImportDetails> => (mapping ?? {}) as Partial<MarketImportDetails>

/** The market imports of the user's stores (or one of them), newest first, a page at a time. */
export async function listMarketImports(user: SessionUser, filter: { storeId?: string; page?: number } = {}) {
  const storeIds = user.stores.map((s) => s.id).filter((id) => !filter.storeId || id === filter.storeId)
  if (!storeIds.length) return { imports: [], total: 0, page: 1, pages: 1 }
  const db = await getDb()
  const where = and(inArray(imports.storeId, storeIds), eq(imports.kind, MARKET_IMPORT_KIND))
  const [{ total } = { total: 0 }] = await db.select({ total: count() }).from(imports).where(where)
  const pages = Math.max(1, Math.ceil(total / MARKET_IMPORTS_PAGE_SIZE))
  const page = Math.min(Math.max(1, Math.floor(filter.page ?? 1)), pages)
  const rows = await db
    .select({ import: imports, storeName: stores.name, timeZone: stores.timeZone, createdBy: users.name })
    .from(imports)
    .innerJoin(stores, eq(stores.id, imports.storeId))
    .leftJoin(users, eq(users.id, imports.createdById))
    .where(where)
    .orderBy(desc(imports.createdAt), desc(imports.id))
    .limit(MARKET_IMPORTS_PAGE_SIZE)
    .offset((page - 1) * MARKET_IMPORTS_PAGE_SIZE)
  return {
    imports: rows.map((r) => {
      const d = details(r.import.mapping)
      return {
        id: r.import.id,
        fileName: r.import.fileName,
        status: r.import.status as 'pending' | 'done' | 'failed',
        measure: d.measure ?? 'registrations',
        months: d.months ?? [],
        rowsImported: r.import.rowsImported,
        rowsFailed: r.import.rowsFailed,
        createdAt: r.import.createdAt,
        storeName: r.storeName,
        timeZone: r.timeZone,
        createdBy: r.createdBy,
      }
    }),
    total,
    page,
    pages,
  }
}

/** A column of the file as the import used it; `month` (`YYYY-MM`): the month a units column of the wide layout stands for. */
export type MarketImportMappingColumn = { index: number; header: string; field: MarketField | null; month: string | null }

/** A market import of a store the user reads; any other (or another kind of import) is "not found". */
export async function getMarketImport(user: SessionUser, importId: string) {
  if (!z.uuid().safeParse(importId).success) notFound()
  const db = await getDb()
  const [row] = await db
    .select({ import: imports, storeName: stores.name, timeZone: stores.timeZone, createdBy: users.name })
    .from(imports)
    .innerJoin(stores, eq(stores.id, imports.storeId))
    .leftJoin(users, eq(users.id, imports.createdById))
    .where(and(eq(imports.id, importId), eq(imports.kind, MARKET_IMPORT_KIND)))
  if (!row || !canReadStore(user, row.import.storeId)) notFound()
  const i = row.import
  const d = details(i.mapping)
  const headers = d.headers ?? []
  const wide = d.layout === 'wide'
  const mapping: MarketImportMappingColumn[] = (i.columnMapping ?? []).map((field, index) => ({
    index,
    header: headers[index] ?? '',
    field: (field as MarketField | null) ?? null,
    month: wide && field === 'units' ? (monthOfHeader(headers[index] ?? '')?.slice(0, 7) ?? null) : null,
  }))
  return {
    id: i.id,
    storeId: i.storeId,
    storeName: row.storeName,
    timeZone: row.timeZone,
    fileName: i.fileName,
    byteSize: i.byteSize,
    encoding: i.encoding,
    status: i.status as 'pending' | 'done' | 'failed',
    createdBy: row.createdBy,
    createdAt: i.createdAt,
    finishedAt: i.finishedAt,
    measure: d.measure ?? 'registrations',
    layout: d.layout ?? 'long',
    months: d.months ?? [],
    counts: {
      rows: i.rowsTotal,
      imported: i.rowsImported,
      rejected: i.rowsFailed,
      figures: d.figures ?? 0,
      skipped: d.skipped ?? { title: 0, blank: 0, total: 0 },
    },
    mapping,
  }
}

/** A market import job of one of the user's stores; any other job is "not found". */
export async function getMarketImportJob(user: SessionUser, jobId: string): Promise<ImportJob> {
  const job = await getJob(user, jobId)
  if (job.kind !== MARKET_IMPORT_JOB) notFound('No such job.')
  return describeImportJob(job, user, await jobCreatorName(job))
}

/** The market imports still running, and those that failed in the last week, of the user's stores. */
export async function listOpenMarketImportJobs(user: SessionUser, limit = 10): Promise<ImportJob[]> {
  const rows = await listOpenJobs(user, [MARKET_IMPORT_JOB], limit)
  return rows.map((r) => describeImportJob(r.job, user, r.createdBy))
}
