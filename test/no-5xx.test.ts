/// <reference types="vite/client" />
import { beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import * as root from '../app/root'
import { get, post, signIn, type Browser } from './factories'
import { routeWalkContext } from './case-context'
import { settle } from './http'
import { EVERYONE, type Case, type Ctx, type Who } from './permission-cases/types'

/**
 * SPEC §8, "bad input gets a clear error": no query string, form body or route parameter
 * makes a page answer 5xx. Every route module's loader and action gets malformed input
 * from every role; an answer of 500 or more, or a thrown error that is not a Response,
 * fails. Route files are enumerated, so a new route is walked as soon as it exists; its
 * real paths, parameters and form fields come from the permission matrix (permission-cases/).
 * The cross-site form post through Remix's own request handler: test/request-handler.test.ts.
 */

type Args = { request: Request; params: Record<string, string>; context: object }
type Handler = (args: Args) => Promise<unknown>
type RouteModule = { loader?: Handler; action?: Handler }

const modules = import.meta.glob<RouteModule>(['../app/routes/*.{ts,tsx}', '!../app/routes/*.test.{ts,tsx}'], { eager: true })
const sources = import.meta.glob<string>(['../app/routes/*.{ts,tsx}', '!../app/routes/*.test.{ts,tsx}'], { eager: true, query: '?raw', import: 'default' })
const schemaModules = import.meta.glob<Record<string, unknown>>('../app/schemas/*.ts', { eager: true })
const caseFiles = import.meta.glob<{ cases: Case[] }>(['./permission-cases/*.ts', '!./permission-cases/types.ts'], { eager: true })
const CASES: Case[] = Object.values(caseFiles).flatMap((f) => f.cases)

const ROUTE_FILES = Object.keys(modules)
  .map((file) => file.replace('../app/routes/', ''))
  .sort()

/** `campaigns.$campaignId.links.$linkId.tsx` → ['campaignId', 'linkId']; the splat route → ['*']. */
function paramNames(route: string) {
  if (route.startsWith('$.')) return ['*']
  return [...route.matchAll(/\$(\w+)/g)].map((m) => m[1]!)
}

/** The URL path of a flat route file with the given parameters. */
function routePath(route: string, params: Record<string, string>) {
  const segments = route
    .replace(/\.(ts|tsx)$/, '')
    .replaceAll('[.]', '\u0001')
    .split('.')
    .filter((s) => s !== '_index')
    .map((s) => s.replace('\u0001', '.').replace(/_$/, ''))
    .map((s) => (s === '$' ? params['*'] : s.startsWith('$') ? params[s.slice(1)] : s) ?? 'x')
    .map((s) => encodeURIComponent(s).replaceAll('%2E', '.'))
  return `/${segments.join('/')}`
}

// ---- malformed values ------------------------------------------------------------------

const HUGE = 'x'.repeat(10_000)
/** Values no form or link of the app produces. */
const BAD_VALUES = [
  '2026-02-30',
  '\u0000',
  '-1',
  '99999999999999999999999',
  HUGE,
  'a\nb\r\nc\t\u202e\ufeff',
  'not-a-uuid',
  "' OR '1'='1'; DROP TABLE leads; --<script>alert(1)</script>",
  'no_such_value',
]
/** For one field: bad values of the kind its valid value is (a date gets impossible dates, a number huge ones). */
function badValuesLike(valid: string): string[] {
  const oversized = `${valid}${HUGE}`
  if (/^\d{4}-\d{2}-\d{2}/.test(valid)) return [oversized, '2026-02-30', '2026-13-45T25:61']
  if (/^-?[\d,.]+$/.test(valid)) return [oversized, '-1', '99999999999999999999999']
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(valid)) return [oversized, 'not-a-uuid', '00000000-0000-0000-0000-000000000000']
  if (/^[a-z_.]+$/.test(valid)) return [oversized, 'no_such_value', 'constructor']
  // free text: what a database refuses to store (NUL), and what it must never run
  return [oversized, `${valid}\u0000`, "' OR '1'='1'; DROP TABLE leads; --<script>alert(1)</script>", 'a\nb\r\nc\td']
}
/** Query strings written out by hand: broken escapes, empty names, `%00`. */
const RAW_QUERIES = ['%zz=%&=&&=&a', 'from=%00&to=%E0%A4%A&page=%2d1&__proto__=1&constructor=x']
/** Route parameters no link of the app produces. */
const BAD_IDS = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', "1' OR '1'='1\u0000", 'x'.repeat(3000), '%E0%A4%A']

// ---- the query keys the app reads --------------------------------------------------------

/** Every key a route reads with `.get('key')` and every field of a query schema in app/schemas. */
const QUERY_KEYS = (() => {
  const keys = new Set<string>(['redirectTo', 'notice', 'page', 'from', 'to', 'day', 'store', 'q', 'sort', 'dir', 'download'])
  for (const source of Object.values(sources)) {
    for (const m of source.matchAll(/\.(?:get|getAll|has)\('(\w+)'\)/g)) keys.add(m[1]!)
  }
  for (const schemaModule of Object.values(schemaModules)) {
    for (const [name, value] of Object.entries(schemaModule)) {
      if (/(Query|Filters)Schema$/.test(name) && value instanceof z.ZodObject) for (const key of Object.keys(value.shape)) keys.add(key)
    }
  }
  return [...keys].sort()
})()

/** The query keys a route's own source names: sent one at a time too, so that one bad key cannot hide another. */
function keysOf(route: string) {
  const source = sources[`../app/routes/${route}`] ?? ''
  return QUERY_KEYS.filter((k) => new RegExp(`['"\`]${k}['"\`]`).test(source))
}

function query(entries: Array<[string, string]>) {
  const search = new URLSearchParams()
  for (const [k, v] of entries) search.append(k, v)
  return `?${search}`
}

/** Every key at once with each bad value, every key twice, hand-written ones, then the route's own keys one by one. */
function badQueries(route: string) {
  const queries = BAD_VALUES.map((v) => query(QUERY_KEYS.map((k) => [k, v])))
  queries.push(query(QUERY_KEYS.flatMap((k) => [[k, '2026-01-01'] as [string, string], [k, 'x']])))
  queries.push(...RAW_QUERIES.map((q) => `?${q}`))
  for (const k of keysOf(route)) for (const v of ['2026-02-30', '\u0000']) queries.push(query([[k, v]]))
  return queries
}

// ---- form bodies -------------------------------------------------------------------------

type Fields = Array<[string, string]>

const fieldList = (fields: Record<string, string | string[]>): Fields =>
  Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x] as [string, string]) : [[k, v] as [string, string]]))

/** Bodies any role may post: empty, an unknown intent, every field twice, every field oversized or bad at once. */
function roughBodies(base: Fields): Array<{ fields: Fields; note: string }> {
  const keepIntent = (value: (k: string, v: string) => string): Fields => base.map(([k, v]) => [k, k === 'intent' ? v : value(k, v)])
  return [
    { fields: [], note: 'empty' },
    { fields: [['intent', 'no-such-intent'], ...base.filter(([k]) => k !== 'intent')], note: 'unknown intent' },
    { fields: [...base, ...base], note: 'every field twice' },
    { fields: keepIntent(() => 'x'.repeat(200_000)), note: 'every field oversized' },
    ...BAD_VALUES.map((bad) => ({ fields: keepIntent(() => bad), note: `every field ${JSON.stringify(bad.slice(0, 20))}` })),
  ]
}

/** Where a form says to go next (sign-in, the language switch): header-breaking, off-site, huge. */
const BAD_REDIRECTS = ['/campaigns\r\nSet-Cookie: x=y', '/a\u0000b', '//evil.example/', '/\\evil.example', '/\t/evil.example', `/${HUGE}`]
const withRedirect = (base: Fields): Array<{ fields: Fields; note: string }> =>
  BAD_REDIRECTS.map((bad) => ({ fields: [...base.filter(([k]) => k !== 'redirectTo'), ['redirectTo', bad]], note: `redirectTo=${JSON.stringify(bad.slice(0, 24))}` }))

/** For a role that may post the form: each field in turn missing, or bad in the ways its kind can be. */
function fieldByFieldBodies(base: Fields): Array<{ fields: Fields; note: string }> {
  const bodies: Array<{ fields: Fields; note: string }> = []
  base.forEach(([name, valid], i) => {
    if (name === 'intent') return
    bodies.push({ fields: base.filter((_, j) => j !== i), note: `without ${name}` })
    for (const bad of badValuesLike(valid)) {
      bodies.push({ fields: base.map(([k, v], j) => [k, j === i ? bad : v]), note: `${name}=${JSON.stringify(bad.slice(0, 24))}` })
    }
  })
  return bodies
}

function formRequest(path: string, fields: Fields, browser: Browser | undefined, headers: Record<string, string> = {}) {
  const body = new URLSearchParams()
  if (browser) body.append('csrf', browser.csrf)
  for (const [k, v] of fields) body.append(k, v)
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(browser ? { cookie: browser.cookie } : {}), ...headers },
  })
}

/** Requests whose body is not a form at all, or not the form its Content-Type names. */
function oddRequests(path: string, base: Fields, browser: Browser | undefined): Array<{ request: Request; note: string }> {
  const make = (contentType: string | null, body: BodyInit) => {
    const headers = new Headers()
    if (browser) headers.set('cookie', browser.cookie)
    if (contentType) headers.set('content-type', contentType)
    return new Request(`http://localhost${path}`, { method: 'POST', body, headers })
  }
  const json = Object.fromEntries([['csrf', browser?.csrf ?? ''], ...base.map(([k, v]) => [k, `${v}\u0000`])])
  return [
    { request: make('multipart/form-data', 'garbage'), note: 'multipart without a boundary' },
    { request: make('multipart/form-data; boundary=zzz', '--zzz\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nabc'), note: 'truncated multipart' },
    { request: make('application/json', JSON.stringify(json)), note: 'JSON with NUL characters' },
    { request: make('application/json', '{"a":'), note: 'broken JSON' },
    { request: make('text/plain', 'hello'), note: 'text/plain' },
    { request: make(null, new Uint8Array([0xff, 0xfe, 0x00, 0x41])), note: 'no content type, binary body' },
    { request: make('application/x-www-form-urlencoded', '%%%&&&=%E0%A4%A&csrf'), note: 'broken urlencoding' },
  ]
}

// ---- the walk ----------------------------------------------------------------------------

type Target = { method: 'GET' | 'POST'; path: string; params: Record<string, string>; fields: Partial<Record<Who, Fields>>; allowed: Who[] }

let ctx: Ctx
/** Each route's real requests from the permission matrix, made once. */
const targets = new Map<string, Target[]>()

beforeAll(async () => {
  const routes = { newCampaign: modules['../app/routes/campaigns.new.tsx']!.action!, campaignDetail: modules['../app/routes/campaigns.$campaignId._index.tsx']!.action! }
  // the user the admin pages open: none of the walkers, whom a bad form could lock out
  ctx = await routeWalkContext(routes, { ownAdminTarget: true })
  for (const c of CASES) {
    const path = await c.path(ctx)
    const fields: Target['fields'] = {}
    for (const who of EVERYONE) fields[who] = fieldList(c.fields?.(ctx, who) ?? {})
    const list = targets.get(c.route) ?? []
    list.push({ method: c.method, path, params: c.params?.(path) ?? {}, fields, allowed: c.allowed })
    targets.set(c.route, list)
  }
}, 120_000)

type Outcome = { status: number } | { error: string }

async function run(fn: Handler, request: Request, params: Record<string, string>): Promise<Outcome> {
  try {
    return { status: (await settle(() => fn({ request, params, context: {} }))).status }
  } catch (error) {
    return { error: error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 160)}` : String(error) }
  }
}

// eslint-disable-next-line no-control-regex
const brief = (s: string) => (s.length > 110 ? `${s.slice(0, 107)}…` : s).replace(/[\u0000-\u001f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)

/** Collects what answered 5xx, or threw something that is not a Response. */
class Failures {
  readonly list: string[] = []
  async check(who: Who, label: string, fn: Handler, request: Request, params: Record<string, string>) {
    const outcome = await run(fn, request, params)
    if ('error' in outcome) this.list.push(`${who} ${brief(label)} → threw ${outcome.error}`)
    else if (outcome.status >= 500) this.list.push(`${who} ${brief(label)} → ${outcome.status}`)
  }
}

/** The route's real requests, or (with none in the matrix) its path with made-up parameters. */
function realTargets(route: string, method: 'GET' | 'POST'): Target[] {
  const real = (targets.get(route) ?? []).filter((t) => t.method === method)
  if (real.length) return real
  const params = Object.fromEntries(paramNames(route).map((n) => [n, 'x']))
  return [{ method, path: routePath(route, params), params, fields: {}, allowed: [] }]
}

/** The same route with each parameter bad in turn. */
function badParamTargets(route: string, method: 'GET' | 'POST') {
  const seed = realTargets(route, method)[0]!
  return paramNames(route).flatMap((name) =>
    BAD_IDS.map((bad) => {
      const params = { ...seed.params, [name]: bad }
      return { path: routePath(route, params), params, seed }
    }),
  )
}

const splitPath = (path: string) => {
  const [pathname, search] = path.split('?')
  return { pathname: pathname!, search: search === undefined ? '' : `?${search}` }
}

/**
 * Every role gets bad input; the full set goes to the first role the matrix lets through (the
 * one that gets furthest into the code), a sample to the others, whose plain requests the
 * permission matrix already makes. Each request costs a session look-up: the whole walk
 * stays within a few thousand of them.
 */
function leadRole(targets: Target[]): Who {
  return EVERYONE.find((who) => targets.some((t) => t.allowed.includes(who))) ?? 'admin'
}

describe('no input makes a page answer 5xx', () => {
  it('walks every route module and the query keys the app reads', () => {
    expect(ROUTE_FILES.length).toBeGreaterThan(30)
    expect(QUERY_KEYS).toEqual(expect.arrayContaining(['from', 'to', 'page', 'store', 'status', 'redirectTo', 'mergeQ']))
    expect(routePath('leads.export[.]csv.ts', {})).toBe('/leads/export.csv')
    expect(routePath('r.$code_.qr[.]png.ts', { code: 'abc' })).toBe('/r/abc/qr.png')
  })

  it('GET root.tsx (the root loader runs with every page)', async () => {
    const failures = new Failures()
    for (const who of EVERYONE) {
      for (const search of badQueries('root.tsx').slice(0, 3)) {
        await failures.check(who, `GET /campaigns${search}`, root.loader as unknown as Handler, get(`/campaigns${search}`, ctx.browsers[who]), {})
      }
    }
    expect(failures.list).toEqual([])
  })

  for (const route of ROUTE_FILES) {
    const module = modules[`../app/routes/${route}`]!
    if (module.loader) {
      it(`GET ${route}`, async () => {
        const failures = new Failures()
        const real = realTargets(route, 'GET')
        const lead = leadRole(real)
        const queries = badQueries(route)
        for (const who of EVERYONE) {
          const browser = ctx.browsers[who]
          const full = who === lead
          for (const [i, t] of real.entries()) {
            const { pathname, search } = splitPath(t.path)
            // the first real path with the bad query strings, the others as they are
            const searches = i > 0 ? [search] : full ? [search, ...queries] : queries.slice(0, 1)
            for (const q of searches) await failures.check(who, `GET ${pathname}${q}`, module.loader!, get(`${pathname}${q}`, browser), t.params)
          }
          const badParams = badParamTargets(route, 'GET')
          for (const t of full ? badParams : badParams.slice(0, 1)) await failures.check(who, `GET ${t.path}`, module.loader!, get(t.path, browser), t.params)
        }
        expect(failures.list).toEqual([])
      })
    }
    if (module.action) {
      it(`POST ${route}`, async () => {
        const failures = new Failures()
        const real = realTargets(route, 'POST')
        const lead = leadRole(real)
        for (const who of EVERYONE) {
          const full = who === lead
          // a fresh session each time: a logout, or a password change, ends the one it came with
          const fresh = async () => (ctx.userIds[who] ? await signIn(ctx.userIds[who]!) : ctx.browsers[who])
          let browser = await fresh()
          for (const t of real) {
            const base = t.fields[who] ?? []
            const post = async (label: string, request: Request) => {
              await failures.check(who, `POST ${t.path} ${label}`, module.action!, request, t.params)
              if (route.startsWith('logout.') || route.startsWith('account.')) browser = await fresh()
            }
            const rough = roughBodies(base)
            const bodies = full ? [...rough, ...withRedirect(base), ...fieldByFieldBodies(base)] : rough.filter((b) => ['empty', 'every field "\\u0000"'].includes(b.note))
            for (const body of bodies) await post(body.note, formRequest(t.path, body.fields, browser))
            const odd = oddRequests(t.path, base, browser)
            if (full) for (const o of odd) await post(o.note, o.request)
            await post('cross-site', formRequest(t.path, base, browser, { origin: 'https://evil.example' }))
            if (full) {
              await post('Origin: not a url', formRequest(t.path, base, browser, { origin: 'not a url' }))
              await post('Origin: null', formRequest(t.path, base, browser, { origin: 'null' }))
              const { pathname } = splitPath(t.path)
              for (const q of badQueries(route).slice(0, 3)) await post(`at ${q.slice(0, 40)}`, formRequest(`${pathname}${q}`, base, browser))
            }
          }
          const badParams = badParamTargets(route, 'POST')
          for (const t of full ? badParams : badParams.slice(0, 1)) {
            await failures.check(who, `POST ${t.path}`, module.action!, formRequest(t.path, t.seed.fields[who] ?? [], browser), t.params)
          }
        }
        expect(failures.list).toEqual([])
      })
    }
  }
})
