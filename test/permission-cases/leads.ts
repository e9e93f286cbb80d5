import crypto from 'node:crypto'
import { getDb } from '../../db/client'
import { showroomVisits } from '../../db/schema'
import { recordArrival } from '../../app/services/lead-intake.server'
import { READERS, type Case, type Ctx, type Who } from './types'

// Leads and the front desk (SPEC §3): 'lead:read' reads, 'lead:write' logs and edits,
// 'lead:manage' merges and erases — each only within the user's stores.

/** Roles of store A that may log and edit leads; executives read only. */
const LEAD_WRITERS: Who[] = ['admin', 'manager', 'specialist', 'sales']
const LEAD_MANAGERS: Who[] = ['admin', 'manager']

const phone = () => `136${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`

/** A fresh lead of store A (made directly: the matrix is about who may open it). */
async function storeALead(c: Ctx) {
  const db = await getDb()
  const { leadId } = await recordArrival(db, {
    storeId: c.storeA,
    person: { name: '权限矩阵', phone: phone() },
    touch: { kind: 'manual', channel: 'direct', at: new Date() },
  })
  return leadId
}

/** The duplicate of the last merge case, made together with its survivor. */
let duplicate = ''

/** A walk-in visit of store A that has not left yet. */
let visitId = ''

const leadParams = (path: string) => ({ leadId: path.split('/')[2]!.split('?')[0]! })

export const cases: Case[] = [
  // the list and the export show one's own stores: a store-B specialist sees theirs (none of A's)
  { route: 'leads._index.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/leads' },
  { route: 'leads.export[.]csv.ts', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/leads/export.csv' },
  { route: 'leads.new.tsx', method: 'GET', allowed: [...LEAD_WRITERS, 'otherStoreSpecialist'], path: () => '/leads/new' },
  {
    route: 'leads.new.tsx',
    method: 'POST',
    allowed: LEAD_WRITERS,
    path: () => '/leads/new',
    fields: (c) => ({ storeId: c.storeA, name: '矩阵', phone: phone(), channel: 'direct' }),
  },
  { route: 'leads.$leadId.tsx', method: 'GET', allowed: READERS, path: async (c) => `/leads/${await storeALead(c)}`, params: leadParams },
  {
    route: 'leads.$leadId.tsx',
    method: 'POST',
    allowed: LEAD_WRITERS,
    path: async (c) => `/leads/${await storeALead(c)}`,
    params: leadParams,
    fields: () => ({ intent: 'status', to: 'contacted' }),
  },
  {
    route: 'leads.$leadId.tsx',
    method: 'POST',
    allowed: LEAD_MANAGERS,
    path: async (c) => {
      duplicate = await storeALead(c)
      return `/leads/${await storeALead(c)}`
    },
    params: leadParams,
    fields: () => ({ intent: 'merge', duplicateId: duplicate }),
  },
  {
    route: 'leads.$leadId.tsx',
    method: 'POST',
    allowed: LEAD_MANAGERS,
    path: async (c) => `/leads/${await storeALead(c)}`,
    params: leadParams,
    fields: () => ({ intent: 'erase', confirm: 'yes' }),
  },

  // the traffic sheet is read by every reader of the store; logging is for the store's writers
  { route: 'desk._index.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/desk' },
  {
    route: 'desk._index.tsx',
    method: 'POST',
    allowed: LEAD_WRITERS,
    path: async (c) => {
      const db = await getDb()
      const [visit] = await db
        .insert(showroomVisits)
        .values({ storeId: c.storeA, visitType: 'first', arrivedAt: new Date(Date.now() - 3_600_000) })
        .returning({ id: showroomVisits.id })
      visitId = visit!.id
      return '/desk?index'
    },
    fields: () => ({ visitId, leftAt: '2030-01-01T10:00' }),
  },
  { route: 'desk.walk-in.tsx', method: 'GET', allowed: [...LEAD_WRITERS, 'otherStoreSpecialist'], path: () => '/desk/walk-in' },
  {
    route: 'desk.walk-in.tsx',
    method: 'POST',
    allowed: LEAD_WRITERS,
    path: () => '/desk/walk-in',
    fields: (c) => ({ storeId: c.storeA, name: '矩阵', phone: phone(), channel: 'passing_by', partySize: '1' }),
  },
  { route: 'desk.call.tsx', method: 'GET', allowed: [...LEAD_WRITERS, 'otherStoreSpecialist'], path: () => '/desk/call' },
  {
    route: 'desk.call.tsx',
    method: 'POST',
    allowed: LEAD_WRITERS,
    path: () => '/desk/call',
    fields: (c) => ({ storeId: c.storeA, name: '矩阵', phone: phone(), channel: 'autohome' }),
  },
]
