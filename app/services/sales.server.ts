import { and, desc, eq, gt, inArray, or, sql } from 'drizzle-orm'
import { z } from 'zod'
import { getDb } from '../../db/client'
import { importRows, imports, jobs, stores, users } from '../../db/schema'
import { sqlList, withAnalytics } from '../../analytics/duckdb'
import { runQuery } from '../../analytics/query'
import {
  salesListChoices,
  salesListParams,
  salesListQuery,
  salesListTotals,
  salesTotalsParams,
  salesToReview,
  salesViewPresent,
  type SaleListRow,
  type SalesListFilter,
} from '../../analytics/queries/sales-list'
import type { SaleField } from '../../analytics/ingest/sales-record'
import { SALES_PAGE_SIZE, type SalesListFilters } from '../schemas/sales'
import { canReadStore, type SessionUser } from '../utils/auth.server'
import { notFound } from '../utils/http.server'
import { queryPeriod } from '../utils/period'
import { zonedDay } from '../utils/zoned-time'
import { describeImportJob, getJob, jobCreatorName, listOpenJobs, type ImportJob } from './jobs.server'
import { SALES_IMPORT_JOB } from './sales-import-job.server'
import type { SalesImportInput } from './sales-import.server'
import { failInterruptedSalesImports } from './sales-import.server'
import { matchTablesPresent } from '../../analytics/matchback/queries'

/**
 * What the sales pages read (SPEC §4, §6): the imported sales from the analytical store
 * (analytics/queries/sales-list.ts — routes never reach DuckDB themselves), and the sales
 * imports and their jobs from Postgres. Every read is scoped to the user's stores.
 */

// ------------------------------------------------------------------ the sales list

export type SalesList = {
  /** false until the analytical store has its `sales` view (the first sync after a start) */
  ready: boolean
  rows: Array<SaleListRow & { storeName: string; currency: string }>
  total: number
  revenueFen: number | null
  profitFen: number | null
  page: number
  pages: number
  choices: { models: string[]; consultants: string[] }
  /** sales waiting for a person to confirm their suggested lead */
  toReview: number
}


export async function listSales(user: SessionUser, filters: SalesListFilters): Promise<SalesList> {
  const readable = user.stores.filter((s) => !filters.store || s.id === filters.store)
  const byId = new Map(readable.map((s) => [s.id, s]))
  const empty: SalesList = { ready: true, rows: [], total: 0, revenueFen: null, profitFen: null, page: 1, pages: 1, choices: { models: [], consultants: [] }, toReview: 0 }
  if (!readable.length) return empty
  const period = queryPeriod(filters, zonedDay(new Date(), readable[0]!.timeZone))
  const [from, to] = period ? [period.from, period.to] : [null, null]
  const filter: SalesListFilter = {
    storeIds: readable.map((s) => s.id),
    from,
    to,
    model: filters.model ?? null,
    consultant: filters.consultant ?? null,
    match: filters.match ?? null,
  }
  return withAnalytics(async (c) => {
    // both come with the first sync after a start: until then the page says so
    const [present] = await runQuery(c, salesViewPresent, {})
    const [matches] = await runQuery(c, matchTablesPresent, {})
    if (!present?.n || (matches?.n ?? 0) < 2) return { ...empty, ready: false }
    const [totals] = await runQuery(c, salesListTotals, salesTotalsParams(filter))
    const total = totals?.sales ?? 0
    const pages = Math.max(1, Math.ceil(total / SALES_PAGE_SIZE))
    const page = Math.min(filters.page, pages)
    const sort = filters.sort ?? 'date'
    const dir = filters.dir ?? (sort === 'model' || sort === 'consultant' || sort === 'store' ? 'asc' : 'desc')
    const rows = total
      ? await runQuery(c, salesListQuery(sort, dir), salesListParams({ ...filter, sort, dir, limit: SALES_PAGE_SIZE, offset: (page - 1) * SALES_PAGE_SIZE }))
      : []
    const choices = await runQuery(c, salesListChoices, { storeIds: sqlList(filter.storeIds) })
    const [toReview] = await runQuery(c, salesToReview, { storeIds: sqlList(filter.storeIds) })
    const models = [...new Set(choices.filter((x) => x.kind === 'model').map((x) => x.value))].sort((a, b) => a.localeCompare(b, 'zh-CN'))
    const consultants = choices.filter((x) => x.kind === 'consultant').map((x) => x.value).sort((a, b) => a.localeCompare(b, 'zh-CN'))
    return {
      ready: true,
      rows: rows.map((r) => ({ ...r, storeName: byId.get(r.store_id)?.name ?? '', currency: byId.get(r.store_id)?.currency ?? 'CNY' })),
      total,
      revenueFen: totals?.revenue_fen ?? null,
      profitFen: totals?.profit_fen ?? null,
      page,
      pages,
      choices: { models, consultants },
      toReview: toReview?.n ?? 0,
    }
  })
}

// ------------------------------------------------------------------ sales imports

export type SalesImportMappingColumn = { index: number; header: string; field: SaleField | null; scale: 1 | 10_000 | null }

/** A sales import of a store the user reads; any other (or a lead import) is "not found". */
export async function getSalesImport(user: SessionUser, importId: string) {
  if (!z.uuid().safeParse(importId).success) notFound()
  // an import a dead process left pending shows as failed, not 导入中 for ever
  await failInterruptedSalesImports()
  const db = await getDb()
  const [row] = await db
    .select({ import: imports, storeName: stores.name, timeZone: stores.timeZone, createdBy: users.name, jobInput: jobs.input })
    .from(imports)
    .innerJoin(stores, eq(stores.id, imports.storeId))
    .leftJoin(users, eq(users.id, imports.createdById))
    .leftJoin(jobs, eq(jobs.id, imports.jobId))
    .where(and(eq(imports.id, importId), eq(imports.kind, 'sales')))
  if (!row || !canReadStore(user, row.import.storeId)) notFound()
  const i = row.import
  const extra = (i.mapping ?? {}) as { skipped?: { title: number; blank: number; total: number }; warnings?: number; headers?: string[] }
  const headers = extra.headers ?? []
  const scales = new Map(((row.jobInput as Partial<SalesImportInput> | null)?.mapping ?? []).map((c) => [c.index, c.scale]))
  const mapping: SalesImportMappingColumn[] = (i.columnMapping ?? []).map((field, index) => ({
    index,
    header: headers[index] ?? '',
    field: (field as SaleField | null) ?? null,
    scale: field ? (scales.get(index) ?? null) : null,
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
    error: i.error,
    createdBy: row.createdBy,
    createdAt: i.createdAt,
    finishedAt: i.finishedAt,
    jobId: i.jobId,
    counts: {
      rows: i.rowsTotal,
      imported: i.rowsImported,
      rejected: i.rowsFailed,
      superseded: i.rowsSuperseded,
      warnings: extra.warnings ?? 0,
      skipped: extra.skipped ?? { title: 0, blank: 0, total: 0 },
    },
    mapping,
  }
}

export const REJECTED_ROWS_SHOWN = 200

export type SalesImportRow = { rowNumber: number; column: string | null; reason: string | null }

/** The first rejected rows (`failed`) or rows imported with a warning, of an import already checked with getSalesImport. */
export async function listSalesImportRows(importId: string, outcome: 'failed' | 'warning', limit = REJECTED_ROWS_SHOWN): Promise<SalesImportRow[]> {
  const db = await getDb()
  return db
    .select({ rowNumber: importRows.rowNumber, column: importRows.column, reason: importRows.reason })
    .from(importRows)
    .where(
      and(
        eq(importRows.importId, importId),
        outcome === 'failed' ? eq(importRows.outcome, 'failed') : and(eq(importRows.outcome, 'imported'), sql`${importRows.reason} is not null`),
      ),
    )
    .orderBy(importRows.rowNumber, importRows.id)
    .limit(limit)
}

/**
 * Every rejected row and every warning of an import, in file order, a page at a time (an
 * export of a million rows may have many): the download never holds them all.
 */
export async function* salesImportReportRows(importId: string, pageSize = 5_000): AsyncGenerator<Array<SalesImportRow & { outcome: 'failed' | 'imported' }>> {
  const db = await getDb()
  let after = -1
  for (;;) {
    const page = await db
      .select({ id: importRows.id, rowNumber: importRows.rowNumber, column: importRows.column, reason: importRows.reason, outcome: importRows.outcome })
      .from(importRows)
      .where(
        and(
          eq(importRows.importId, importId),
          gt(importRows.id, after),
          or(eq(importRows.outcome, 'failed'), and(eq(importRows.outcome, 'imported'), sql`${importRows.reason} is not null`)),
        ),
      )
      .orderBy(importRows.id)
      .limit(pageSize)
    if (!page.length) return
    after = page.at(-1)!.id
    yield page.map((r) => ({ rowNumber: r.rowNumber, column: r.column, reason: r.reason, outcome: r.outcome as 'failed' | 'imported' }))
    if (page.length < pageSize) return
  }
}

// ------------------------------------------------------------------ the import jobs

export type SalesImportJob = ImportJob

const describeJob = describeImportJob

/** A sales import job of one of the user's stores; any other job is "not found". */
export async function getSalesImportJob(user: SessionUser, jobId: string): Promise<SalesImportJob> {
  const job = await getJob(user, jobId)
  if (job.kind !== SALES_IMPORT_JOB) notFound('No such job.')
  return describeJob(job, user, await jobCreatorName(job))
}

/** The sales imports still running, and those that failed in the last week, of the user's stores. */
export async function listOpenSalesImportJobs(user: SessionUser, limit = 10): Promise<SalesImportJob[]> {
  const rows = await listOpenJobs(user, [SALES_IMPORT_JOB], limit)
  return rows.map((r) => describeJob(r.job, user, r.createdBy))
}
