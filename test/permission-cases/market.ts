import { getDb } from '../../db/client'
import { imports, importUploads, jobs } from '../../db/schema'
import { READERS, WRITERS, type Case, type Ctx, type Who } from './types'

// Market data (SPEC §5): read by every role of the store ('competitor:read'), imported by the
// marketing roles of the store (the sales importers); the front desk and executives import nothing.
const MARKET_IMPORTERS: Who[] = WRITERS

/** A done market import of store A (made directly: the matrix is about who may open it). */
async function storeAImport(c: Ctx) {
  const db = await getDb()
  const [row] = await db
    .insert(imports)
    .values({ storeId: c.storeA, kind: 'market', fileName: 'market.csv', fileHash: 'd'.repeat(64), byteSize: 10, status: 'done', mappingHash: crypto.randomUUID(), columnMapping: ['month', 'city', 'brand', 'model', 'units'] })
    .returning({ id: imports.id })
  return row!.id
}

/** A queued market import job of store A. */
async function storeAJob(c: Ctx) {
  const db = await getDb()
  const [row] = await db.insert(jobs).values({ kind: 'market_import', storeId: c.storeA, input: { fileName: 'market.csv' } }).returning({ id: jobs.id })
  return row!.id
}

/**
 * Each importer's own market upload for store A (its file is not kept: confirming it answers
 * 400, the file is gone — past every check of who may): only its uploader may confirm it.
 */
const uploads = new Map<Who, string>()
async function storeAUploads(c: Ctx) {
  if (!uploads.size) {
    const db = await getDb()
    for (const who of MARKET_IMPORTERS) {
      const [row] = await db
        .insert(importUploads)
        .values({ storeId: c.storeA, uploadedById: c.userIds[who]!, kind: 'market', fileName: 'market.csv', fileHash: 'e'.repeat(64), ext: 'csv', byteSize: 10 })
        .returning({ id: importUploads.id })
      uploads.set(who, row!.id)
    }
  }
  return '/competitors/market/import'
}

const importParams = (path: string) => ({ importId: path.split('/')[4]! })
const jobParams = (path: string) => ({ jobId: path.split('/')[4]! })

export const cases: Case[] = [
  { route: 'competitors.market._index.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/market' },
  { route: 'competitors.market.import.tsx', method: 'GET', allowed: [...MARKET_IMPORTERS, 'otherStoreSpecialist'], path: () => '/competitors/market/import' },
  // confirming one's own upload into store A; the rest post the store-A specialist's upload
  // (the store-B specialist into their own store) and are refused
  {
    route: 'competitors.market.import.tsx',
    method: 'POST',
    allowed: MARKET_IMPORTERS,
    path: storeAUploads,
    fields: (c, who) => ({
      intent: 'confirm',
      storeId: who === 'otherStoreSpecialist' ? c.storeB : c.storeA,
      uploadId: (who && uploads.get(who)) || uploads.get('specialist')!,
      measure: 'registrations',
      'map.0': 'month',
      'map.1': 'city',
      'map.2': 'brand',
      'map.3': 'model',
      'map.4': 'units',
    }),
  },
  { route: 'competitors.market.jobs.$jobId.tsx', method: 'GET', allowed: READERS, path: async (c) => `/competitors/market/jobs/${await storeAJob(c)}`, params: jobParams },
  {
    route: 'competitors.market.jobs.$jobId.tsx',
    method: 'POST',
    allowed: MARKET_IMPORTERS,
    path: async (c) => `/competitors/market/jobs/${await storeAJob(c)}`,
    params: jobParams,
    fields: () => ({ intent: 'cancel' }),
  },
  {
    route: 'competitors.market.imports.$importId.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/competitors/market/imports/${await storeAImport(c)}`,
    params: importParams,
  },
  {
    route: 'competitors.market.imports.$importId.rejects[.]csv.ts',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/competitors/market/imports/${await storeAImport(c)}/rejects.csv`,
    params: importParams,
  },
]
