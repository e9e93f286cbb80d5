import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../db/client'
import * as create from '../app/routes/leads.new'
import * as walkIn from '../app/routes/desk.walk-in'
import * as healthz from '../app/routes/healthz'
import { createGroup, createStore, createUser, post, signIn, type Browser } from './factories'
import { settle } from './http'

/**
 * Logs never hold personal data (SPEC §8, PIPL): every line written while leads arrive and
 * while queries carrying a phone and a name fail is read back and searched for them.
 */
const PHONE = '13957120107'
const NAME = '欧阳明月'
const lines: string[] = []
const ctx = { params: {}, context: {} }
let storeId: string
let sales: Browser
let specialist: Browser
let handleError: (typeof import('../app/entry.server'))['handleError']

beforeAll(async () => {
  // every level, so that debug lines are read too
  vi.stubEnv('LOG_LEVEL', 'debug')
  vi.resetModules()
  const { getEnv } = await import('../app/utils/env.server')
  expect(getEnv().LOG_LEVEL).toBe('debug')
  handleError = (await import('../app/entry.server')).handleError
  for (const stream of [process.stdout, process.stderr]) {
    // kept, not echoed: the test reads every line itself
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
      return true
    }) as typeof stream.write)
  }
  const group = await createGroup()
  storeId = (await createStore(group.id, '杭州店')).id
  sales = await signIn((await createUser(group.id, 'sales', [storeId])).id)
  specialist = await signIn((await createUser(group.id, 'specialist', [storeId])).id)
})

afterAll(() => {
  vi.restoreAllMocks()
  vi.unstubAllEnvs()
})

function expectNothingPersonal() {
  const text = lines.join('')
  expect(text).not.toContain(PHONE)
  expect(text).not.toContain(PHONE.slice(3))
  expect(text).not.toContain('139 5712 0107')
  expect(text).not.toContain(NAME)
  expect(text).not.toContain('params:')
  expect(text).not.toContain('Failed query')
}

const request = (path: string) => new Request(`http://localhost${path}`, { headers: { 'x-request-id': 'req-1' } })

describe('logs', () => {
  it('carry no phone or name while leads arrive and when queries holding them fail', async () => {
    const manual = await settle(() =>
      create.action({ request: post('/leads/new', { storeId, channel: 'autohome', name: NAME, phone: PHONE }, sales), ...ctx }),
    )
    expect(manual.status).toBe(302)
    const walk = await settle(() =>
      walkIn.action({ request: post('/desk/walk-in', { storeId, channel: 'passing_by', partySize: '1', name: NAME, phone: `139 5712 0107` }, sales), ...ctx }),
    )
    expect(walk.status).toBeLessThan(400)
    // a specialist's walk-in attempt: refused or not, nothing of the person is logged
    await settle(() => walkIn.action({ request: post('/desk/walk-in', { storeId, name: NAME, phone: PHONE }, specialist), ...ctx }))

    const db = await getDb()
    // errors from the database, carrying the phone and the name as bound values and in Postgres' own message
    for (const query of [sql`select ${PHONE}::int`, sql`select ${NAME}::uuid`, sql`select * from leads where phone_hash = ${PHONE} and nope = ${NAME}`]) {
      const error = await db.execute(query).then(
        () => null,
        (e: unknown) => e,
      )
      expect(error).toBeTruthy()
      // proof that the raw error would have leaked
      expect(String((error as Error).message) + String((error as Error & { cause?: Error }).cause?.message)).toMatch(new RegExp(`${PHONE}|${NAME}`))
      handleError(error, { request: request('/leads'), params: {}, context: {} })
    }
    // and an error of our own whose message carries a phone number, however written
    handleError(new Error(`could not reach +86 139-5712-0107 or ${PHONE}`), { request: request('/leads'), params: {}, context: {} })

    const logged = lines.filter((l) => l.includes('unhandled error'))
    expect(logged).toHaveLength(4)
    // what is left is still useful: the database's error code and where it happened
    expect(logged[0]).toContain('"code":"22003"')
    expect(logged[0]).toContain('"stack"')
    expect(logged[3]).toContain('could not reach [number] or [number]')
    expectNothingPersonal()
  })

  it('a framework warning without a request, or a 404 of no route, is not logged as an error', async () => {
    const before = lines.length
    const warn = handleError as unknown as (error: unknown) => void
    warn(new Error('Warning: Single fetch-enabled apps should not be making ?_data requests'))
    handleError(new Response('Not found', { status: 404 }), { request: request('/nope'), params: {}, context: {} })
    const errorLines = lines.slice(before).filter((l) => l.includes('"level":"error"'))
    expect(errorLines).toEqual([])
  })

  it('the request log (server.js) writes no phone or name typed into an address', async () => {
    const { requestLogPath } = await import('../app/entry.server')
    for (const path of [`/leads/${PHONE}`, '/leads/139%205712%200107/edit', `/%E6%AC%A7%E9%98%B3%E6%98%8E%E6%9C%88-${PHONE}`, `/${encodeURIComponent(NAME)}`, `/x/+86-139-5712-0107`]) {
      const logged = requestLogPath(path)
      expect(logged, path).toContain('/')
      for (const secret of [PHONE, PHONE.slice(3), '5712', NAME, '%E6%AC%A7']) expect(logged, path).not.toContain(secret)
    }
    expect(requestLogPath(`/leads/${PHONE}`)).toBe('/leads/[number]')
    expect(requestLogPath(`/%E6%AC%A7%E9%98%B3%E6%98%8E%E6%9C%88-${PHONE}`)).toBe('/[text]-[number]')
    // what says which request it was stays: record ids, link codes, a malformed escape as it came
    const id = '12345678-1234-4234-8234-123456789012'
    expect(requestLogPath(`/campaigns/${id}/print`)).toBe(`/campaigns/${id}/print`)
    expect(requestLogPath('/r/Ab3dE9xZ')).toBe('/r/Ab3dE9xZ')
    expect(requestLogPath('/leads/%E0%A4%A')).toBe('/leads/%E0%A4%A')
  })

  it('the health check says up or down and nothing more', async () => {
    const res = await healthz.loader()
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })
})
