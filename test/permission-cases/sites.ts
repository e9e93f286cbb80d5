import crypto from 'node:crypto'
import { getDb } from '../../db/client'
import { sites } from '../../db/schema'
import { EVERYONE, type Case, type Ctx } from './types'

// Store websites (SPEC §3): the admin pages ('site:manage': admin, manager) and the
// public endpoints a store's website calls.
const SITE_MANAGERS = ['admin', 'manager'] as const
const ORIGIN = 'https://www.matrix-store.test'

/** A fresh active site of store A; its key is kept for the fields of the same case. */
let lastSiteKey = ''
async function siteOfStoreA(ctx: Ctx) {
  const db = await getDb()
  lastSiteKey = crypto.randomBytes(12).toString('base64url')
  const [site] = await db.insert(sites).values({ storeId: ctx.storeA, name: '官网', siteKey: lastSiteKey, origins: [ORIGIN] }).returning()
  return site!
}

const siteParams = (path: string) => ({ siteId: path.split('/')[3]! })

export const cases: Case[] = [
  { route: 'admin.sites._index.tsx', method: 'GET', allowed: [...SITE_MANAGERS], path: () => '/admin/sites' },
  { route: 'admin.sites.new.tsx', method: 'GET', allowed: [...SITE_MANAGERS], path: () => '/admin/sites/new' },
  {
    route: 'admin.sites.new.tsx',
    method: 'POST',
    allowed: [...SITE_MANAGERS],
    path: () => '/admin/sites/new',
    fields: (c) => ({ storeId: c.storeA, name: '官网', origins: ORIGIN, active: 'on' }),
  },
  {
    route: 'admin.sites.$siteId.tsx',
    method: 'GET',
    allowed: [...SITE_MANAGERS],
    path: async (c) => `/admin/sites/${(await siteOfStoreA(c)).id}`,
    params: siteParams,
  },
  {
    route: 'admin.sites.$siteId.tsx',
    method: 'POST',
    allowed: [...SITE_MANAGERS],
    path: async (c) => `/admin/sites/${(await siteOfStoreA(c)).id}`,
    params: siteParams,
    fields: () => ({ name: '官网（新）', origins: ORIGIN, active: 'on' }),
  },

  // Public: no session needed, and a session changes nothing. The requests are valid (a
  // registered site, its own page URL), so an answer of 403/404 could only be authorization.
  // The matrix sends no User-Agent, which the endpoints treat as a script: they run every
  // check a browser's request gets and then answer 204 storing nothing
  // (test/web-intake.test.ts shows a browser's request of any role stored).
  {
    route: 'f.$siteKey.tsx',
    method: 'GET',
    allowed: EVERYONE,
    path: async (c) => `/f/${(await siteOfStoreA(c)).siteKey}`,
    params: (path) => ({ siteKey: path.split('/')[2]! }),
  },
  { route: 'api.collect.ts', method: 'GET', allowed: EVERYONE, path: () => '/api/collect' },
  {
    route: 'api.collect.ts',
    method: 'POST',
    allowed: EVERYONE,
    path: async (c) => (await siteOfStoreA(c), '/api/collect'),
    fields: () => ({
      siteKey: lastSiteKey,
      visitorId: crypto.randomBytes(8).toString('hex'),
      eventId: crypto.randomBytes(8).toString('hex'),
      url: `${ORIGIN}/landing?utm_source=douyin`,
    }),
  },
  { route: 'api.leads.ts', method: 'GET', allowed: EVERYONE, path: () => '/api/leads' },
  {
    route: 'api.leads.ts',
    method: 'POST',
    allowed: EVERYONE,
    path: async (c) => (await siteOfStoreA(c), '/api/leads'),
    fields: () => ({ siteKey: lastSiteKey, name: '矩阵', phone: '13800001234', consent: 'on', page: `${ORIGIN}/` }),
  },
]
