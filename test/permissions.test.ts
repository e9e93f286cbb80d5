/// <reference types="vite/client" />
import { beforeAll, describe, expect, it } from 'vitest'
import { routeWalkContext } from './case-context'
import { EVERYONE, type Case, type Ctx } from './permission-cases/types'
import { get, post, signIn } from './factories'
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
  ctx = await routeWalkContext({ newCampaign: routeFile('campaigns.new.tsx').action!, campaignDetail: routeFile('campaigns.$campaignId._index.tsx').action! })
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
    it.each(EVERYONE)(`${c.method} ${c.route}${c.label ? ` (${c.label})` : ''} as %s`, async (who) => {
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
