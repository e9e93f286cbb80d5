import { getDb } from '../../db/client'
import { jobs } from '../../db/schema'
import { READERS, WRITERS, type Case, type Ctx, type Who } from './types'

// Background jobs (docs/decisions/014-background-jobs.md): a job is seen on /jobs/:id and
// /api/jobs/:id by those who may see its kind's own page, of its store; cancelled or run again
// by those who may act on its kind, in a store they write to — the same permissions as the
// kind's page (sales imports: sales:read / sales:import, lead imports: import:run, ...).

/** Who of store A may see, and who may act on, each kind (store B's specialist never: another store). */
const KINDS: Array<{ kind: string; view: Who[]; act: Who[] }> = [
  { kind: 'sales_import', view: ['admin', 'manager', 'specialist', 'executive'], act: WRITERS },
  { kind: 'lead_import', view: ['admin', 'manager', 'specialist', 'sales'], act: ['admin', 'manager', 'specialist', 'sales'] },
  { kind: 'market_import', view: READERS, act: WRITERS },
  { kind: 'observation_import', view: READERS, act: ['admin', 'manager', 'specialist', 'sales'] },
  { kind: 'erase_kept_files', view: ['admin', 'manager'], act: ['admin', 'manager'] },
]

/** A job of store A of this kind, queued or failed (made directly: the matrix is about who may open it). */
async function storeAJob(c: Ctx, kind: string, status: 'queued' | 'failed' = 'queued') {
  const db = await getDb()
  const [row] = await db.insert(jobs).values({ kind, storeId: c.storeA, input: { fileName: 'matrix.csv' }, status }).returning({ id: jobs.id })
  return row!.id
}

const jobParams = (path: string) => ({ jobId: path.split('/').at(-1)! })

export const cases: Case[] = KINDS.flatMap(({ kind, view, act }): Case[] => [
  { route: 'api.jobs.$jobId.ts', label: kind, method: 'GET', allowed: view, path: async (c) => `/api/jobs/${await storeAJob(c, kind)}`, params: jobParams },
  { route: 'jobs.$jobId.tsx', label: kind, method: 'GET', allowed: view, path: async (c) => `/jobs/${await storeAJob(c, kind)}`, params: jobParams },
  {
    route: 'jobs.$jobId.tsx',
    label: `${kind} cancel`,
    method: 'POST',
    allowed: act,
    path: async (c) => `/jobs/${await storeAJob(c, kind)}`,
    params: jobParams,
    fields: () => ({ intent: 'cancel' }),
  },
  {
    route: 'jobs.$jobId.tsx',
    label: `${kind} retry`,
    method: 'POST',
    allowed: act,
    path: async (c) => `/jobs/${await storeAJob(c, kind, 'failed')}`,
    params: jobParams,
    fields: () => ({ intent: 'retry' }),
  },
])
