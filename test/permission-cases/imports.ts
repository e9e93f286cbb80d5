import { getDb } from '../../db/client'
import { imports, importUploads, jobs } from '../../db/schema'
import type { Case, Ctx, Who } from './types'

// Lead-platform imports (SPEC §3): 'import:run' roles, within their stores.

/** Roles of store A that may import; executives read but do not import. */
const IMPORTERS: Who[] = ['admin', 'manager', 'specialist', 'sales']

/** A lead import of store A (made directly: the matrix is about who may open it). */
async function storeAImport(c: Ctx, status: 'done' | 'failed' = 'done') {
  const db = await getDb()
  const [row] = await db
    .insert(imports)
    .values({ storeId: c.storeA, kind: 'leads', platform: 'autohome', fileName: 'matrix.csv', fileHash: (status === 'done' ? 'f' : 'd').repeat(64), byteSize: 10, status })
    .returning({ id: imports.id })
  return row!.id
}

const importParams = (path: string) => ({ importId: path.split('/')[2]! })

/** A lead import job of store A, still queued (made directly: the matrix is about who may open it). */
async function storeAJob(c: Ctx) {
  const db = await getDb()
  const [row] = await db.insert(jobs).values({ kind: 'lead_import', storeId: c.storeA, input: { fileName: 'matrix.csv' } }).returning({ id: jobs.id })
  return row!.id
}

const jobParams = (path: string) => ({ jobId: path.split('/')[3]! })

/** Each importer's own upload for store A (its file is not kept): only its uploader may confirm it. */
const uploads = new Map<Who, string>()
async function storeAUploads(c: Ctx) {
  if (!uploads.size) {
    const db = await getDb()
    for (const who of IMPORTERS) {
      const [row] = await db
        .insert(importUploads)
        .values({ storeId: c.storeA, uploadedById: c.userIds[who]!, kind: 'leads', fileName: 'leads.csv', fileHash: 'e'.repeat(64), ext: 'csv', byteSize: 10 })
        .returning({ id: importUploads.id })
      uploads.set(who, row!.id)
    }
  }
  return '/imports/new'
}

export const cases: Case[] = [
  // the list shows the imports of one's own stores: a store-B specialist sees theirs (none of A's)
  { route: 'imports._index.tsx', method: 'GET', allowed: [...IMPORTERS, 'otherStoreSpecialist'], path: () => '/imports' },
  { route: 'imports.new.tsx', method: 'GET', allowed: [...IMPORTERS, 'otherStoreSpecialist'], path: () => '/imports/new' },
  // confirming one's own upload into store A: the file is gone (400) for those who may; the rest
  // post the store-A specialist's upload (the store-B specialist into their own store) and are refused
  {
    route: 'imports.new.tsx',
    method: 'POST',
    allowed: IMPORTERS,
    path: storeAUploads,
    fields: (c, who) => ({
      intent: 'confirm',
      storeId: who === 'otherStoreSpecialist' ? c.storeB : c.storeA,
      platform: 'autohome',
      uploadId: (who && uploads.get(who)) || uploads.get('specialist')!,
    }),
  },
  // a lead import's progress page, and its cancel
  { route: 'imports.jobs.$jobId.tsx', method: 'GET', allowed: IMPORTERS, path: async (c) => `/imports/jobs/${await storeAJob(c)}`, params: jobParams },
  {
    route: 'imports.jobs.$jobId.tsx',
    method: 'POST',
    allowed: IMPORTERS,
    path: async (c) => `/imports/jobs/${await storeAJob(c)}`,
    params: jobParams,
    fields: () => ({ intent: 'cancel' }),
  },
  { route: 'imports.$importId.tsx', method: 'GET', allowed: IMPORTERS, path: async (c) => `/imports/${await storeAImport(c)}`, params: importParams },
  // retrying a failed import of store A: its file is gone (400) for those who may
  {
    route: 'imports.$importId.tsx',
    method: 'POST',
    allowed: IMPORTERS,
    path: async (c) => `/imports/${await storeAImport(c, 'failed')}`,
    params: importParams,
    fields: () => ({ intent: 'retry' }),
  },
  {
    route: 'imports.$importId.report.ts',
    method: 'GET',
    allowed: IMPORTERS,
    path: async (c) => `/imports/${await storeAImport(c)}/report`,
    params: importParams,
  },
]
