/// <reference types="vite/client" />
import { beforeAll, describe, expect, it } from 'vitest'
import { planFields } from './campaign-fixtures'
import { EVERYONE, type Case, type Ctx, type Who } from './permission-cases/types'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

/**
 * SPEC §1: every route × every role, read and write, proves who may do what.
 * A new route fails the coverage check below until its rows are added to a file in
 * permission-cases/ (one file per area).
 */

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

// every file in permission-cases/ (but types.ts) adds its routes' rows
const caseFiles = import.meta.glob<{ cases: Case[] }>(['./permission-cases/*.ts', '!./permission-cases/types.ts'], { eager: true })
const CASES: Case[] = Object.values(caseFiles).flatMap((f) => f.cases)

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
    groupId: group.id,
    storeA,
    storeB,
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
      const request = c.method === 'GET' ? get(path, browser) : post(path, c.fields?.(ctx, who) ?? {}, browser)
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
