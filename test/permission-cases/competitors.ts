import { getDb } from '../../db/client'
import { competitorObservations, imports, importUploads, jobs } from '../../db/schema'
import { READERS, type Case, type Ctx, type Who } from './types'

// Competitor intelligence (SPEC §5): read by every role of the store ('competitor:read'),
// recorded by all but the executive ('competitor:write'); segments kept by managers.
const RECORDERS: Who[] = ['admin', 'manager', 'specialist', 'sales']
const SEGMENT_KEEPERS: Who[] = ['admin', 'manager']

async function observationOfStoreA(ctx: Ctx) {
  const db = await getDb()
  const [row] = await db
    .insert(competitorObservations)
    .values({ storeId: ctx.storeA, brand: '日产', model: '轩逸', transactionPriceFen: 9_980_000, seenAt: 'store', seenOn: '2026-11-20' })
    .returning({ id: competitorObservations.id })
  return row!.id
}

const observationFields = (c: Ctx) => ({
  storeId: c.storeA,
  brand: '丰田',
  model: '卡罗拉',
  transactionPriceFen: '99800',
  seenAt: 'auto_show',
  seenOn: '2026-11-21',
})
const observationParams = (path: string) => ({ observationId: path.split('/')[2]! })

// Observation imports (ADR 028): the recorders import into their stores; every reader sees an import and its job.

/** Each recorder's own observation upload for store A (its file is not kept): only its uploader may confirm it. */
const obsUploads = new Map<Who, string>()
async function storeAObservationUploads(c: Ctx) {
  if (!obsUploads.size) {
    const db = await getDb()
    for (const who of RECORDERS) {
      const [row] = await db
        .insert(importUploads)
        .values({ storeId: c.storeA, uploadedById: c.userIds[who]!, kind: 'observations', fileName: '竞品.csv', fileHash: '9'.repeat(64), ext: 'csv', byteSize: 10 })
        .returning({ id: importUploads.id })
      obsUploads.set(who, row!.id)
    }
  }
  return '/competitors/import'
}

/** A done observation import of store A, and a queued observation import job (made directly: the matrix is about who may open them). */
async function storeAObservationImport(c: Ctx) {
  const db = await getDb()
  const [row] = await db
    .insert(imports)
    .values({ storeId: c.storeA, kind: 'observations', fileName: '竞品.csv', fileHash: '8'.repeat(64), byteSize: 10, status: 'done', columnMapping: ['brand', 'model', 'seenOn'] })
    .returning({ id: imports.id })
  return row!.id
}
async function storeAObservationJob(c: Ctx) {
  const db = await getDb()
  const [row] = await db.insert(jobs).values({ kind: 'observation_import', storeId: c.storeA, input: { fileName: '竞品.csv' } }).returning({ id: jobs.id })
  return row!.id
}
const observationImportParams = (path: string) => ({ importId: path.split('/')[3]! })
const observationJobParams = (path: string) => ({ jobId: path.split('/')[3]! })

export const cases: Case[] = [
  { route: 'competitors._index.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors' },
  { route: 'competitors.new.tsx', method: 'GET', allowed: [...RECORDERS, 'otherStoreSpecialist'], path: () => '/competitors/new' },
  // store A's observation: only store A's recorders (the store-B specialist may record, but not for store A)
  { route: 'competitors.new.tsx', method: 'POST', allowed: RECORDERS, path: () => '/competitors/new', fields: observationFields },
  {
    route: 'competitors.$observationId.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/competitors/${await observationOfStoreA(c)}`,
    params: observationParams,
  },
  {
    route: 'competitors.$observationId.tsx',
    method: 'POST',
    allowed: RECORDERS,
    path: async (c) => `/competitors/${await observationOfStoreA(c)}`,
    params: observationParams,
    fields: (c) => ({ ...observationFields(c), version: '1' }),
  },
  {
    route: 'competitors.$observationId_.photo.ts',
    method: 'GET',
    // there is no photo: whoever may read the observation is answered 404 all the same, and the
    // photo's own scope is tested with a real picture in test/competitors.test.ts
    allowed: [],
    path: async (c) => `/competitors/${await observationOfStoreA(c)}/photo`,
    params: observationParams,
  },
  // the analyses: every reader, the store-B specialist over store B only (test/competitor-analysis.test.ts)
  { route: 'competitors.price.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/price' },
  { route: 'competitors.price_.data.ts', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/price/data?format=csv' },
  { route: 'competitors.promotions.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/promotions' },
  { route: 'competitors.promotions_.data.ts', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/promotions/data?format=csv' },
  { route: 'competitors.conquest.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/conquest' },
  { route: 'competitors.conquest_.data.ts', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/conquest/data?format=csv' },
  { route: 'competitors.conquest_.trade-ins.ts', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/conquest/trade-ins?format=csv' },
  { route: 'competitors.share.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/share' },
  { route: 'competitors.share_.data.ts', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/share/data?format=csv' },
  { route: 'competitors.import.tsx', method: 'GET', allowed: [...RECORDERS, 'otherStoreSpecialist'], path: () => '/competitors/import' },
  // confirming one's own upload into store A queues the import; the rest post the store-A
  // specialist's upload (the store-B specialist into their own store) and are refused
  {
    route: 'competitors.import.tsx',
    method: 'POST',
    allowed: RECORDERS,
    path: storeAObservationUploads,
    fields: (c, who) => ({
      intent: 'confirm',
      storeId: who === 'otherStoreSpecialist' ? c.storeB : c.storeA,
      uploadId: (who && obsUploads.get(who)) || obsUploads.get('specialist')!,
      'map.0': 'brand',
      'map.1': 'model',
      'map.2': 'transactionPrice',
      'unit.2': 'wan',
      'map.3': 'seenOn',
    }),
  },
  { route: 'competitors.jobs.$jobId.tsx', method: 'GET', allowed: READERS, path: async (c) => `/competitors/jobs/${await storeAObservationJob(c)}`, params: observationJobParams },
  {
    route: 'competitors.jobs.$jobId.tsx',
    method: 'POST',
    allowed: RECORDERS,
    path: async (c) => `/competitors/jobs/${await storeAObservationJob(c)}`,
    params: observationJobParams,
    fields: () => ({ intent: 'cancel' }),
  },
  { route: 'competitors.imports.$importId.tsx', method: 'GET', allowed: READERS, path: async (c) => `/competitors/imports/${await storeAObservationImport(c)}`, params: observationImportParams },
  {
    route: 'competitors.imports.$importId.rejects[.]csv.ts',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/competitors/imports/${await storeAObservationImport(c)}/rejects.csv`,
    params: observationImportParams,
  },
  { route: 'competitors.segments.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/competitors/segments' },
  {
    route: 'competitors.segments.tsx',
    method: 'POST',
    allowed: SEGMENT_KEEPERS,
    path: () => '/competitors/segments',
    fields: () => ({ intent: 'save', name: `紧凑型轿车 ${crypto.randomUUID().slice(0, 8)}`, ours: '大众 朗逸', theirs: '日产 轩逸\n丰田 卡罗拉' }),
  },
]
