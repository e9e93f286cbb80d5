import crypto from 'node:crypto'
import { getDb } from '../../db/client'
import { recordArrival } from '../../app/services/lead-intake.server'
import type { Case, Ctx, Who } from './types'

// Matchback review (SPEC §4, ADR 017): 'sales:read' roles see the suggested matches of their
// stores; 'sales:review' roles (specialists, managers, admins) of the store accept or reject.

const REVIEWERS: Who[] = ['admin', 'manager', 'specialist']

/** A lead of store A to decide about (made once; the matrix is about who may decide). */
let leadId = ''
async function storeALead(c: Ctx) {
  if (!leadId) {
    const db = await getDb()
    const phone = `135${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`
    leadId = (await recordArrival(db, { storeId: c.storeA, person: { name: '匹配矩阵', phone }, touch: { kind: 'manual', channel: 'direct', at: new Date() } })).leadId
  }
  return leadId
}

export const cases: Case[] = [
  // the list shows one's own stores: a store-B specialist sees theirs (none of A's)
  { route: 'sales.matches.tsx', method: 'GET', allowed: ['admin', 'manager', 'specialist', 'executive', 'otherStoreSpecialist'], path: () => '/sales/matches' },
  // a decision on a store-A pair: those who may get "no longer current" (no such suggestion), the rest are refused
  {
    route: 'sales.matches.tsx',
    method: 'POST',
    allowed: REVIEWERS,
    path: async (c) => {
      await storeALead(c)
      return '/sales/matches'
    },
    fields: (c) => ({ intent: 'accept', storeId: c.storeA, saleKey: 'order:MATRIX-1', leadId }),
  },
]
