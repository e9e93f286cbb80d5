import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPostgres, type DbHandle } from '../../db/client'
import { stores, userStores, users } from '../../db/schema'
import { hashPassword } from '../../app/utils/password.server'
import { newEventId, registerSite, sendEvents, UNLIMITED_COLLECT_ENV, type Outcome } from './collect-load'
import { E2E_POSTGRES_ADMIN, postgresReachable, REPO_ROOT, spawnServer, startServer, type RoadshowServer } from './harness'

/**
 * Two app servers behind one Postgres server (docs/decisions/031-beyond-one-server.md): two
 * `node server.js` processes start at once on one empty database, each with its own DATA_DIR
 * and the same PHONE_HASH_KEY, as two machines behind a load balancer would. What a user or a
 * store's website does on one must hold on the other: the schema is migrated once, a session
 * made on one is valid on the other, beacons sent to both are stored once, a lead made on one
 * is seen (and matched by phone) on the other.
 *
 * Needs a Postgres server whose role may create databases: E2E_POSTGRES_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres (CI's). The test makes its own database
 * (roadshow_two_…) and drops it afterwards. Without a server it is skipped, except in CI.
 */

const ADMIN_URL = E2E_POSTGRES_ADMIN
const PHONE_HASH_KEY = 'two-servers-shared-phone-hash-key-0123456789'
const PASSWORD = 'Two servers, one database 7!'
const EMAIL = 'manager.two@roadshow.test'

const reachable = await postgresReachable(ADMIN_URL)
if (!reachable) console.warn(`[two-servers] no Postgres server at ${ADMIN_URL.replace(/\/\/[^@]*@/, '//')}${process.env.CI === 'true' ? '' : ': skipped'}`)

/** Resolves with the promise's value, or rejects once `ms` have passed: no wait here is unbounded. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = []
const servers: { a?: RoadshowServer; b?: RoadshowServer } = {}
let handle: DbHandle | undefined
let check: postgres.Sql | undefined
let databaseName = ''
let spawnedAt = 0
/** the environment both servers run with */
let serverEnv: Record<string, string> = {}

function serverA() {
  if (!servers.a) throw new Error('server A did not start')
  return servers.a
}
function serverB() {
  if (!servers.b) throw new Error('server B did not start')
  return servers.b
}
function sql() {
  if (!check) throw new Error('no database connection')
  return check
}

// ---------------------------------------------------------------------------------------
// HTTP as a browser does it: cookies carried by hand, redirects not followed

type Jar = Record<string, string>

function remember(jar: Jar, res: Response) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const at = pair!.indexOf('=')
    const name = pair!.slice(0, at).trim()
    const value = pair!.slice(at + 1).trim()
    if (value === '' || /max-age=0/i.test(line)) delete jar[name]
    else jar[name] = value
  }
}

const cookieHeader = (jar: Jar) =>
  Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ')

async function get(server: RoadshowServer, pathname: string, jar: Jar = {}) {
  const res = await fetch(`${server.url}${pathname}`, {
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar), 'accept-language': 'zh-CN' },
    signal: AbortSignal.timeout(30_000),
  })
  remember(jar, res)
  return { status: res.status, location: res.headers.get('location'), body: await res.text() }
}

/** A form post as the page's own form sends it: the CSRF cookie's token in the `csrf` field. */
async function post(server: RoadshowServer, pathname: string, jar: Jar, fields: Record<string, string>) {
  const res = await fetch(`${server.url}${pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded', origin: server.url, 'accept-language': 'zh-CN' },
    body: new URLSearchParams({ csrf: jar.rs_csrf ?? '', ...fields }),
    signal: AbortSignal.timeout(30_000),
  })
  remember(jar, res)
  return { status: res.status, location: res.headers.get('location'), body: await res.text() }
}

/** Signs in through the login form of `server`: the login page first (its CSRF cookie), then the form's POST. */
async function signIn(server: RoadshowServer, redirectTo = '/account'): Promise<Jar> {
  const jar: Jar = {}
  const page = await get(server, '/login', jar)
  expect(page.status, page.body.slice(0, 500)).toBe(200)
  expect(jar.rs_csrf, 'the login page sets the CSRF cookie').toBeTruthy()
  const res = await post(server, '/login', jar, { email: EMAIL, password: PASSWORD, redirectTo })
  expect(res.status, res.body.slice(0, 500)).toBe(302)
  expect(res.location).toBe(redirectTo)
  expect(jar.rs_session, 'sign-in sets the session cookie').toBeTruthy()
  return jar
}

// ---------------------------------------------------------------------------------------

describe.skipIf(!reachable && process.env.CI !== 'true')('two app servers on one Postgres database', () => {
  beforeAll(async () => {
    databaseName = `roadshow_two_${process.pid}_${crypto.randomBytes(4).toString('hex')}`
    cleanups.push({
      what: `drop database ${databaseName}`,
      run: async () => {
        const dropper = postgres(ADMIN_URL, { max: 1, connect_timeout: 10, onnotice: () => {} })
        try {
          // the servers are stopped by now; `force` ends any connection one of them left behind
          await dropper.unsafe(`drop database if exists "${databaseName}" with (force)`)
        } finally {
          await dropper.end({ timeout: 5 })
        }
      },
    })
    // registered before it is made, so that a create that answers late is dropped too
    const admin = postgres(ADMIN_URL, { max: 1, connect_timeout: 10, onnotice: () => {} })
    try {
      await within(30_000, 'create database', admin.unsafe(`create database "${databaseName}"`))
    } finally {
      await admin.end({ timeout: 5 })
    }
    const url = new URL(ADMIN_URL)
    url.pathname = `/${databaseName}`
    const databaseUrl = url.toString()
    check = postgres(databaseUrl, { max: 2, connect_timeout: 10, onnotice: () => {} })
    cleanups.push({ what: 'close the test connection', run: () => check!.end({ timeout: 5 }) })

    const [empty] = await check<{ tables: number }[]>`select count(*)::int as tables from information_schema.tables where table_schema in ('public', 'drizzle')`
    expect(empty!.tables, 'the database starts empty').toBe(0)

    // both at once on the empty database; each its own DATA_DIR (made and removed by the harness)
    const env = {
      DATABASE_URL: databaseUrl,
      PHONE_HASH_KEY,
      SEED_DEMO: 'false',
      ANALYTICS_MEMORY_LIMIT: '256MB',
      ANALYTICS_THREADS: '1',
      ...UNLIMITED_COLLECT_ENV,
      // this file tests idempotency, not latency: on a loaded machine a write may take longer
      // than the default 900 ms, and its 503 would only make the test resend
      COLLECT_WRITE_TIMEOUT_MS: '10000',
    }
    serverEnv = env
    spawnedAt = Date.now()
    const started = await Promise.allSettled([startServer({ env, healthTimeoutMs: 180_000 }), startServer({ env, healthTimeoutMs: 180_000 })])
    for (const [name, result] of [['a', started[0]], ['b', started[1]]] as const) {
      if (result.status === 'fulfilled') {
        servers[name] = result.value
        cleanups.push({ what: `stop server ${name.toUpperCase()}`, run: () => result.value.stop() })
      }
    }
    const failed = started.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed.length) throw new Error(`a server did not start:\n${failed.map((f) => String(f.reason)).join('\n\n')}`)

    // the servers have migrated the database: the test adds a website and a manager of its store
    handle = openPostgres(databaseUrl, { max: 2 })
    cleanups.push({ what: 'close the drizzle connection', run: () => handle!.close() })
  }, 300_000)

  afterAll(async () => {
    // in reverse: the connections and the servers, then the database
    for (const cleanup of cleanups.splice(0).reverse()) {
      await within(30_000, cleanup.what, cleanup.run()).catch((error: unknown) => console.error(`[two-servers] cleanup failed: ${cleanup.what}: ${(error as Error).message}`))
    }
  }, 180_000)

  it('migrates the empty database once although both servers started on it together', async () => {
    const a = serverA()
    const b = serverB()
    const journal = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'db/migrations/meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string; when: number }> }
    const applied = await sql()<{ hash: string; created_at: string }[]>`select hash, created_at::text from drizzle.__drizzle_migrations order by id`
    expect(applied.length, 'one row per migration').toBe(journal.entries.length)
    expect(new Set(applied.map((m) => m.hash)).size).toBe(journal.entries.length)
    expect(applied.map((m) => Number(m.created_at))).toEqual(journal.entries.map((e) => e.when))
    // both are up and said so; neither failed its start (migrations run inside startup())
    for (const server of [a, b]) {
      expect(server.child.exitCode ?? server.child.signalCode, server.output().slice(-3_000)).toBeNull()
      expect(server.output()).toContain('"database ready"')
      expect(server.output()).not.toContain('startup failed')
      expect(server.output()).not.toMatch(/"level":"error"/)
    }
    console.log(`[two-servers] both servers healthy ${Math.round((Date.now() - spawnedAt) / 1000)} s after they were spawned together; ${applied.length} migrations applied once`)
  }, 60_000)

  describe('with a store, its website and a manager', () => {
    let storeId = ''
    let siteId = ''
    let siteKey = ''

    beforeAll(async () => {
      if (!handle) throw new Error('the servers did not start')
      const site = await registerSite(handle.db)
      ;({ storeId, siteId, siteKey } = site)
      const [store] = await handle.db.select({ groupId: stores.groupId }).from(stores).where(eq(stores.id, storeId))
      const [user] = await handle.db
        .insert(users)
        .values({ groupId: store!.groupId, email: EMAIL, name: '两台服务器经理', role: 'manager', passwordHash: await hashPassword(PASSWORD) })
        .returning({ id: users.id })
      await handle.db.insert(userStores).values({ userId: user!.id, storeId })
    }, 60_000)

    it('a session made by signing in on A is valid on B, and signing out on B ends it on A', async () => {
      const a = serverA()
      const b = serverB()
      // without a session B sends the visitor to sign in
      const anonymous = await get(b, '/account')
      expect(anonymous.status).toBe(302)
      expect(anonymous.location).toMatch(/^\/login\?redirectTo=/)

      const jar = await signIn(a)
      const onB = await get(b, '/account', { ...jar })
      expect(onB.status, onB.location ?? onB.body.slice(0, 500)).toBe(200)
      expect(onB.body).toContain(EMAIL)
      const onA = await get(a, '/account', { ...jar })
      expect(onA.status).toBe(200)

      // signing out on B (the CSRF cookie A set is accepted by B's form: double submit, nothing
      // kept per process) deletes the session row; the browser's old cookie then fails on A too
      const token = jar.rs_session!
      const out = await post(b, '/logout', jar, {})
      expect(out.status, out.body.slice(0, 500)).toBe(302)
      expect(out.location).toBe('/login')
      const ended = await get(a, '/account', { rs_session: token })
      expect(ended.status, 'the session deleted on B is gone on A').toBe(302)
      expect(ended.location).toMatch(/^\/login/)
    }, 120_000)

    it('/api/collect: the same events sent to A and B at once, many times, are stored once each; every 2xx event is stored', async () => {
      const a = serverA()
      const b = serverB()
      const events = Array.from({ length: 60 }, newEventId)
      const groups = (size: number, shift: number) => {
        const rotated = [...events.slice(shift), ...events.slice(0, shift)]
        return Array.from({ length: Math.ceil(rotated.length / size) }, (_, i) => rotated.slice(i * size, (i + 1) * size))
      }
      // rounds of the same requests (same ids, same visitor) and rounds regrouped, so that a
      // request meets events the other server is writing in another batch at the same moment
      const rounds = [groups(4, 0), groups(4, 0), groups(5, 2), groups(3, 1), groups(4, 0), groups(6, 3)]
      const outcomes: Outcome[] = []
      const started = performance.now()
      for (const round of rounds) {
        let next = 0
        await within(
          90_000,
          'a round of beacons',
          Promise.all(
            Array.from({ length: 6 }, async () => {
              while (next < round.length) {
                const ids = round[next++]!
                // the same request to both servers at the same moment
                outcomes.push(...(await Promise.all([sendEvents(a.url, siteKey, ids, 30_000), sendEvents(b.url, siteKey, ids, 30_000)])))
              }
            }),
          ),
        )
      }
      const ok = (o: Outcome) => o.status >= 200 && o.status < 300
      const statuses = countBy(outcomes.map((o) => o.status))
      console.log(`[two-servers] ${outcomes.length} beacons to A and B in ${Math.round(performance.now() - started)} ms:`, JSON.stringify(statuses))
      // 200, or 503 ("not stored, send it again") when a write did not commit within the request's time on a busy machine
      expect(outcomes.every((o) => o.status === 200 || o.status === 503), JSON.stringify(statuses)).toBe(true)
      let storedClaims = 0
      for (const o of outcomes.filter(ok)) {
        const answer = JSON.parse(o.body) as { ok: boolean; stored: number; duplicates: number }
        expect(answer.ok).toBe(true)
        expect(answer.stored + answer.duplicates, o.body).toBe(o.ids.length)
        storedClaims += answer.stored
      }

      // what was acknowledged is there now, whichever server acknowledged it, and nothing twice
      const storedIds = async () =>
        (await sql()<{ client_event_id: string }[]>`select client_event_id from web_events where site_id = ${siteId}`).map((r) => r.client_event_id)
      const acknowledged = new Set(outcomes.filter(ok).flatMap((o) => o.ids))
      const first = await storedIds()
      expect(first.length, 'no event stored twice').toBe(new Set(first).size)
      expect([...acknowledged].filter((id) => !first.includes(id)), 'acknowledged but not stored').toEqual([])
      // "stored" is said of each event once at most, by one of the two servers
      expect(storedClaims).toBeLessThanOrEqual(events.length)
      if (outcomes.every(ok)) expect(storedClaims).toBe(events.length)

      // an event never acknowledged (503 every time) is sent again, as rs.js would, until it is
      const deadline = Date.now() + 60_000
      let missing = events.filter((id) => !acknowledged.has(id))
      while (missing.length && Date.now() < deadline) {
        const again = await Promise.all(missing.map((id, i) => sendEvents(i % 2 ? a.url : b.url, siteKey, [id], 30_000)))
        for (const o of again.filter(ok)) for (const id of o.ids) acknowledged.add(id)
        missing = events.filter((id) => !acknowledged.has(id))
        if (missing.length) await new Promise((resolve) => setTimeout(resolve, 1_000))
      }
      expect(missing, 'every event acknowledged in the end').toEqual([])

      const stored = await storedIds()
      expect(stored.length).toBe(events.length)
      expect(new Set(stored)).toEqual(new Set(events))
      // each page view made its one touchpoint (all carry UTM parameters): made once, not once per server
      const [touched] = await sql()<{ touches: number }[]>`select count(*)::int as touches from touchpoints where site_id = ${siteId}`
      expect(touched!.touches).toBe(events.length)
    }, 240_000)

    it('a lead made on A is seen on B, and B matches the same phone to it (one phone-hash key)', async () => {
      const a = serverA()
      const b = serverB()
      const jar = await signIn(b, '/leads')
      const phone = `139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`
      const fields = { storeId, name: '跨服务器客户', phone, city: '杭州', channel: 'word_of_mouth', modelOfInterest: '途观L', campaignId: '', grade: '', consultantId: '', note: '', at: '' }

      const made = await post(a, '/leads/new', jar, fields)
      expect(made.status, made.body.slice(0, 1_000)).toBe(302)
      const [, leadId, notice] = /^\/leads\/([0-9a-f-]{36})\?notice=(\w+)$/.exec(made.location ?? '') ?? []
      expect(leadId, made.location ?? '').toBeTruthy()
      expect(notice).toBe('created')

      // B reads it at once: it reads the same database, nothing is cached per process
      const page = await get(b, `/leads/${leadId}`, jar)
      expect(page.status, page.location ?? page.body.slice(0, 500)).toBe(200)
      expect(page.body).toContain('跨服务器客户')
      const list = await get(b, '/leads', jar)
      expect(list.status).toBe(200)
      expect(list.body).toContain(leadId)

      // the same person entered on B is the same lead: B hashes the phone as A did
      const again = await post(b, '/leads/new', jar, { ...fields, name: '' })
      expect(again.status, again.body.slice(0, 1_000)).toBe(302)
      expect(again.location).toBe(`/leads/${leadId}?notice=matched`)
      const [same] = await sql()<{ n: number }[]>`select count(*)::int as n from leads where store_id = ${storeId} and phone = ${phone}`
      expect(same!.n).toBe(1)
    }, 120_000)

    it('the phone look-up allowance is one per user across both servers', async () => {
      const a = serverA()
      const b = serverB()
      const jar = await signIn(a, '/desk/walk-in')
      const lookUp = (server: RoadshowServer) => get(server, `/desk/walk-in?store=${storeId}&phone=139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}`, jar)
      // the allowance's burst (PHONE_LOOKUP_LIMIT, 20) spent half on each server
      for (let i = 0; i < 20; i++) expect((await lookUp(i % 2 ? a : b)).status).toBe(200)
      const refusedA = await lookUp(a)
      const refusedB = await lookUp(b)
      expect(refusedA.status).toBe(429)
      expect(refusedB.status).toBe(429)
    }, 120_000)

    it('a third server started with another PHONE_HASH_KEY refuses to run, says why, and changes nothing', async () => {
      const other = await spawnServer({ env: { ...serverEnv, PHONE_HASH_KEY: 'not-the-installation-key-0123456789' } })
      try {
        expect(await within(120_000, 'the third server exits', other.exited)).toBe(1)
        expect(other.output()).toContain('PHONE_HASH_KEY is not the key this database was started with')
      } finally {
        if (other.child.exitCode === null) other.child.kill('SIGKILL')
        fs.rmSync(other.dataDir, { recursive: true, force: true })
      }
      const kept = await sql()<{ n: number }[]>`select count(*)::int as n from key_fingerprints`
      expect(kept[0]!.n).toBe(1)
      // the two servers go on
      expect((await fetch(`${serverA().url}/healthz`)).status).toBe(200)
      expect((await fetch(`${serverB().url}/healthz`)).status).toBe(200)
    }, 180_000)
  })
})

function countBy(values: number[]) {
  const counts: Record<string, number> = {}
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1
  return counts
}
