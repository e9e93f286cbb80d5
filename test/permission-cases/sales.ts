import { getDb } from '../../db/client'
import { imports, importUploads, jobs } from '../../db/schema'
import { AnalyticsDb, setAnalyticsDbOpener } from '../../analytics/duckdb'
import { registerParquetViews } from '../../analytics/sync/parquet-views'
import { SALES_PARQUET_VIEW } from '../../analytics/sync/sales-views'
import type { Case, Ctx, Who } from './types'

// Sales data (SPEC §4): read by the marketing roles and executives, imported by the marketing
// roles of the store; the front desk (sales role) has no part in it.

// The walkers read /sales from an analytical store in memory with the views a first sync makes
// (no files registered), never from a data directory on disk.
setAnalyticsDbOpener(async () => {
  const db = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '128MB', threads: 1 })
  await db.withConnection((c) => registerParquetViews(c, [{ view: SALES_PARQUET_VIEW, files: [] }]))
  return db
})

/** Roles of store A that read its sales; a store-B specialist reads only their own store's. */
const SALES_READERS: Who[] = ['admin', 'manager', 'specialist', 'executive']
/** Roles of store A that import its sales. */
const SALES_IMPORTERS: Who[] = ['admin', 'manager', 'specialist']

/** A done sales import of store A (made directly: the matrix is about who may open it). */
async function storeAImport(c: Ctx) {
  const db = await getDb()
  const [row] = await db
    .insert(imports)
    .values({ storeId: c.storeA, kind: 'sales', fileName: 'dms.csv', fileHash: 'c'.repeat(64), byteSize: 10, status: 'done', mappingHash: crypto.randomUUID(), columnMapping: ['vin', 'invoiceDate'] })
    .returning({ id: imports.id })
  return row!.id
}

/** A queued sales import job of store A. */
async function storeAJob(c: Ctx) {
  const db = await getDb()
  const [row] = await db.insert(jobs).values({ kind: 'sales_import', storeId: c.storeA, input: { fileName: 'dms.csv' } }).returning({ id: jobs.id })
  return row!.id
}

/** Each importer's own sales upload for store A (its file is not kept): only its uploader may confirm it. */
const uploads = new Map<Who, string>()
async function storeAUploads(c: Ctx) {
  if (!uploads.size) {
    const db = await getDb()
    for (const who of SALES_IMPORTERS) {
      const [row] = await db
        .insert(importUploads)
        .values({ storeId: c.storeA, uploadedById: c.userIds[who]!, kind: 'sales', fileName: 'dms.csv', fileHash: 'b'.repeat(64), ext: 'csv', byteSize: 10 })
        .returning({ id: importUploads.id })
      uploads.set(who, row!.id)
    }
  }
  return '/sales/import'
}

const importParams = (path: string) => ({ importId: path.split('/')[3]! })
const jobParams = (path: string) => ({ jobId: path.split('/')[3]! })

export const cases: Case[] = [
  { route: 'sales._index.tsx', method: 'GET', allowed: [...SALES_READERS, 'otherStoreSpecialist'], path: () => '/sales' },
  { route: 'sales.import.tsx', method: 'GET', allowed: [...SALES_IMPORTERS, 'otherStoreSpecialist'], path: () => '/sales/import' },
  // confirming one's own upload into store A queues the import; the rest post the store-A
  // specialist's upload (the store-B specialist into their own store) and are refused
  {
    route: 'sales.import.tsx',
    method: 'POST',
    allowed: SALES_IMPORTERS,
    path: storeAUploads,
    fields: (c, who) => ({
      intent: 'confirm',
      storeId: who === 'otherStoreSpecialist' ? c.storeB : c.storeA,
      uploadId: (who && uploads.get(who)) || uploads.get('specialist')!,
      'map.0': 'vin',
      'map.1': 'invoiceDate',
      'map.2': 'transactionPrice',
      'scale.2': '10000',
    }),
  },
  { route: 'sales.jobs.$jobId.tsx', method: 'GET', allowed: SALES_READERS, path: async (c) => `/sales/jobs/${await storeAJob(c)}`, params: jobParams },
  {
    route: 'sales.jobs.$jobId.tsx',
    method: 'POST',
    allowed: SALES_IMPORTERS,
    path: async (c) => `/sales/jobs/${await storeAJob(c)}`,
    params: jobParams,
    fields: () => ({ intent: 'cancel' }),
  },
  { route: 'sales.imports.$importId.tsx', method: 'GET', allowed: SALES_READERS, path: async (c) => `/sales/imports/${await storeAImport(c)}`, params: importParams },
  {
    route: 'sales.imports.$importId.rejects[.]csv.ts',
    method: 'GET',
    allowed: SALES_READERS,
    path: async (c) => `/sales/imports/${await storeAImport(c)}/rejects.csv`,
    params: importParams,
  },
]
