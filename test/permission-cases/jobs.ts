import { getDb } from '../../db/client'
import { jobs } from '../../db/schema'
import { READERS, type Case, type Ctx, type Who } from './types'

// Background jobs (docs/decisions/014-background-jobs.md): a job is seen by those who read
// its store, cancelled or run again by those who write to it.

/** Roles of store A that may write to it (executives read every store, write none). */
const STORE_WRITERS: Who[] = ['admin', 'manager', 'specialist', 'sales']

/** A queued job of store A (made directly: the matrix is about who may open it). */
async function storeAJob(c: Ctx) {
  const db = await getDb()
  const [row] = await db.insert(jobs).values({ kind: 'matrix', storeId: c.storeA, input: {} }).returning({ id: jobs.id })
  return row!.id
}

const jobParams = (path: string) => ({ jobId: path.split('/').at(-1)! })

export const cases: Case[] = [
  { route: 'api.jobs.$jobId.ts', method: 'GET', allowed: READERS, path: async (c) => `/api/jobs/${await storeAJob(c)}`, params: jobParams },
  { route: 'jobs.$jobId.tsx', method: 'GET', allowed: READERS, path: async (c) => `/jobs/${await storeAJob(c)}`, params: jobParams },
  { route: 'jobs.$jobId.tsx', method: 'POST', allowed: STORE_WRITERS, path: async (c) => `/jobs/${await storeAJob(c)}`, params: jobParams, fields: () => ({ intent: 'cancel' }) },
]
