/// <reference types="vite/client" />
import { beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../db/schema/enums'
import { planFields } from './campaign-fixtures'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

/**
 * SPEC §1: every route × every role, read and write, proves who may do what.
 * A new route fails the coverage check below until its row is added here.
 */

type Who = Role | 'otherStoreSpecialist' | 'anonymous'
const EVERYONE: Who[] = ['admin', 'manager', 'specialist', 'sales', 'executive', 'otherStoreSpecialist', 'anonymous']
const SIGNED_IN = EVERYONE.filter((w) => w !== 'anonymous')

type RouteModule = {
  loader?: (args: { request: Request; params: Record<string, string>; context: object }) => Promise<unknown>
  action?: (args: { request: Request; params: Record<string, string>; context: object }) => Promise<unknown>
}
const modules = import.meta.glob<RouteModule>(['../app/routes/*.{ts,tsx}', '!../app/routes/*.test.{ts,tsx}'], { eager: true })
const routeFile = (id: string) => {
  const module = modules[`../app/routes/${id}`]
  if (!module) throw new Error(`no route module ${id}`)
  return module
}

type Ctx = {
  browsers: Record<Who, Browser | undefined>
  userIds: Partial<Record<Who, string>>
  storeA: string
  /** a fresh campaign of store A in the given status, planned by the store-A specialist */
  campaign: (status: 'draft' | 'submitted' | 'completed') => Promise<string>
  userId: string
}

type Case = {
  route: string
  method: 'GET' | 'POST'
  /** who may: everyone else is refused */
  allowed: Who[]
  path: (ctx: Ctx) => Promise<string> | string
  params?: (path: string) => Record<string, string>
  fields?: (ctx: Ctx) => Record<string, string | string[]>
  /** the request ends the session it carries: give it a session of its own */
  ownSession?: boolean
}

const campaignParams = (path: string) => ({ campaignId: path.split('/')[2]! })
const WRITERS: Who[] = ['admin', 'manager', 'specialist']
const READERS: Who[] = ['admin', 'manager', 'specialist', 'sales', 'executive']

const CASES: Case[] = [
  { route: '_index.tsx', method: 'GET', allowed: EVERYONE, path: () => '/' },
  { route: '$.tsx', method: 'GET', allowed: [], path: () => '/nowhere' },
  { route: '$.tsx', method: 'POST', allowed: [], path: () => '/nowhere' },
  { route: 'healthz.ts', method: 'GET', allowed: EVERYONE, path: () => '/healthz' },
  { route: 'login.tsx', method: 'GET', allowed: EVERYONE, path: () => '/login' },
  { route: 'login.tsx', method: 'POST', allowed: EVERYONE, path: () => '/login', fields: () => ({ email: 'nobody@example.test', password: 'x' }) },
  { route: 'logout.tsx', method: 'GET', allowed: EVERYONE, path: () => '/logout' },
  { route: 'logout.tsx', method: 'POST', allowed: EVERYONE, path: () => '/logout', ownSession: true },
  { route: 'settings.language.tsx', method: 'GET', allowed: EVERYONE, path: () => '/settings/language' },
  { route: 'settings.language.tsx', method: 'POST', allowed: EVERYONE, path: () => '/settings/language', fields: () => ({ locale: 'en' }) },
  { route: 'account.tsx', method: 'GET', allowed: SIGNED_IN, path: () => '/account' },
  { route: 'account.tsx', method: 'POST', allowed: SIGNED_IN, path: () => '/account', fields: () => ({}) },

  { route: 'campaigns._index.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/campaigns' },
  { route: 'campaigns.timeline.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/campaigns/timeline' },
  { route: 'campaigns.new.tsx', method: 'GET', allowed: [...WRITERS, 'otherStoreSpecialist'], path: () => '/campaigns/new' },
  // a plan for store A: the store-B specialist may plan, but not for store A
  { route: 'campaigns.new.tsx', method: 'POST', allowed: WRITERS, path: () => '/campaigns/new', fields: (c) => planFields(c.storeA) },
  {
    route: 'campaigns.$campaignId._index.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId._index.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}`,
    params: campaignParams,
    fields: () => ({ intent: 'transition', action: 'submit' }),
  },
  {
    route: 'campaigns.$campaignId._index.tsx',
    method: 'POST',
    allowed: ['admin', 'manager'],
    path: async (c) => `/campaigns/${await c.campaign('submitted')}`,
    params: campaignParams,
    fields: () => ({ intent: 'transition', action: 'approve' }),
  },
  {
    route: 'campaigns.$campaignId.edit.tsx',
    method: 'GET',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}/edit`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId.edit.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}/edit`,
    params: campaignParams,
    fields: (c) => planFields(c.storeA, { version: '1', name: '改名' }),
  },
  {
    route: 'campaigns.$campaignId.print.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}/print`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId.evaluation.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/campaigns/${await c.campaign('completed')}/evaluation`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId.evaluation.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('completed')}/evaluation`,
    params: campaignParams,
    fields: () => ({ version: '5', analysis: '达成目标' }),
  },

  { route: 'admin.users._index.tsx', method: 'GET', allowed: ['admin'], path: () => '/admin/users' },
  { route: 'admin.users.new.tsx', method: 'GET', allowed: ['admin'], path: () => '/admin/users/new' },
  { route: 'admin.users.new.tsx', method: 'POST', allowed: ['admin'], path: () => '/admin/users/new', fields: () => ({}) },
  {
    route: 'admin.users.$userId.tsx',
    method: 'GET',
    allowed: ['admin'],
    path: (c) => `/admin/users/${c.userId}`,
    params: (p) => ({ userId: p.split('/')[3]! }),
  },
  {
    route: 'admin.users.$userId.tsx',
    method: 'POST',
    allowed: ['admin'],
    path: (c) => `/admin/users/${c.userId}`,
    params: (p) => ({ userId: p.split('/')[3]! }),
    fields: () => ({}),
  },
  { route: 'admin.audit.tsx', method: 'GET', allowed: ['admin', 'manager', 'executive'], path: () => '/admin/audit' },
  { route: 'admin.stores._index.tsx', method: 'GET', allowed: ['admin'], path: () => '/admin/stores' },
  // the matrix's admin holds store A only, not the whole group: opening a store is not theirs
  { route: 'admin.stores.new.tsx', method: 'GET', allowed: [], path: () => '/admin/stores/new' },
  { route: 'admin.stores.new.tsx', method: 'POST', allowed: [], path: () => '/admin/stores/new', fields: () => ({}) },
  {
    route: 'admin.stores.$storeId.tsx',
    method: 'GET',
    allowed: ['admin'],
    path: (c) => `/admin/stores/${c.storeA}`,
    params: (p) => ({ storeId: p.split('/')[3]! }),
  },
  {
    route: 'admin.stores.$storeId.tsx',
    method: 'POST',
    allowed: ['admin'],
    path: (c) => `/admin/stores/${c.storeA}`,
    params: (p) => ({ storeId: p.split('/')[3]! }),
    fields: () => ({}),
  },
]

let ctx: Ctx

beforeAll(async () => {
  const group = await createGroup()
  const storeA = (await createStore(group.id)).id
  const storeB = (await createStore(group.id)).id
  const users: Partial<Record<Who, string>> = {
    admin: (await createUser(group.id, 'admin', [storeA])).id,
    manager: (await createUser(group.id, 'manager', [storeA])).id,
    specialist: (await createUser(group.id, 'specialist', [storeA])).id,
    sales: (await createUser(group.id, 'sales', [storeA])).id,
    executive: (await createUser(group.id, 'executive', [])).id,
    otherStoreSpecialist: (await createUser(group.id, 'specialist', [storeB])).id,
  }
  const browsers = {} as Record<Who, Browser | undefined>
  for (const [who, id] of Object.entries(users)) browsers[who as Who] = await signIn(id!)
  // no session, but a CSRF cookie like any browser that has loaded a page
  browsers.anonymous = { cookie: 'rs_csrf=anonymous-browser-token-0123456789abcdefghijklmno', csrf: 'anonymous-browser-token-0123456789abcdefghijklmno' }
  const campaigns = routeFile('campaigns.new.tsx')
  const detail = routeFile('campaigns.$campaignId._index.tsx')
  const steps = { draft: [], submitted: ['submit'], completed: ['submit', 'approve', 'start', 'complete'] } as const
  ctx = {
    browsers,
    userIds: users,
    storeA,
    userId: users.sales!,
    async campaign(status) {
      const created = await settle(() => campaigns.action!({ request: post('/campaigns/new', planFields(storeA), browsers.manager), params: {}, context: {} }))
      const id = created.headers.get('location')!.split('/')[2]!.split('?')[0]!
      for (const action of steps[status]) {
        const res = await settle(() =>
          detail.action!({ request: post(`/campaigns/${id}`, { intent: 'transition', action }, browsers.manager), params: { campaignId: id }, context: {} }),
        )
        expect(res.status).toBe(302)
      }
      return id
    },
  }
})

describe('route × role permission matrix', () => {
  it('covers every loader and action of every route', () => {
    const covered = new Set(CASES.map((c) => `${c.route} ${c.method}`))
    const missing: string[] = []
    for (const [file, module] of Object.entries(modules)) {
      const name = file.replace('../app/routes/', '')
      if (module.loader && !covered.has(`${name} GET`)) missing.push(`${name} GET`)
      if (module.action && !covered.has(`${name} POST`)) missing.push(`${name} POST`)
    }
    expect(missing).toEqual([])
  })

  for (const c of CASES) {
    it.each(EVERYONE)(`${c.method} ${c.route} as %s`, async (who) => {
      const module = routeFile(c.route)
      const ownId = ctx.userIds[who]
      const browser = c.ownSession && ownId ? await signIn(ownId) : ctx.browsers[who]
      const path = await c.path(ctx)
      const request = c.method === 'GET' ? get(path, browser) : post(path, c.fields?.(ctx) ?? {}, browser)
      const fn = c.method === 'GET' ? module.loader! : module.action!
      const result = await settle(() => fn({ request, params: c.params?.(path) ?? {}, context: {} }))
      const { status } = result
      const location = result.headers.get('location')
      const sentToLogin = status === 302 && location?.startsWith('/login?')
      if (c.allowed.includes(who)) {
        expect(status, `${who} should be let through`).not.toBeOneOf([403, 404])
        expect(sentToLogin, `${who} should not be sent to sign in`).toBe(false)
      } else if (who === 'anonymous' && c.method === 'GET') {
        expect(sentToLogin || status === 404, `${status} ${location}`).toBe(true)
      } else {
        expect([403, 404], `${who} should be refused, got ${status} ${location}`).toContain(sentToLogin ? 403 : status)
      }
    })
  }
})
