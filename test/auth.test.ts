import { eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { users } from '../db/schema'
import * as login from '../app/routes/login'
import * as logout from '../app/routes/logout'
import { getUser } from '../app/utils/auth.server'
import { hashPassword } from '../app/utils/password.server'
import { DEMO_PASSWORD } from '../db/demo'
import { translator } from '../app/i18n'
import { createGroup, createStore, createUser, get, post, signIn, TEST_PASSWORD } from './factories'
import { acceptCookie, anonymous, settle, withHeaders } from './http'

const ctx = { params: {}, context: {} }
let groupId: string
let storeId: string

// each test signs in from its own address so that the per-IP limit of one test does not leak into another
let ipCounter = 0
const nextIp = () => `203.0.113.${++ipCounter}`

function loginRequest(fields: Record<string, string>, options: { ip?: string; origin?: string } = {}) {
  const headers: Record<string, string> = { 'x-roadshow-client-ip': options.ip ?? nextIp() }
  if (options.origin) headers.origin = options.origin
  return withHeaders(post('/login', fields, anonymous()), headers)
}
const attempt = (fields: Record<string, string>, options?: { ip?: string; origin?: string }) =>
  settle(() => login.action({ request: loginRequest(fields, options), ...ctx }))

beforeAll(async () => {
  const group = await createGroup()
  groupId = group.id
  storeId = (await createStore(group.id)).id
})

describe('sign-in', () => {
  it('sets an HttpOnly session cookie and redirects', async () => {
    const user = await createUser(groupId, 'specialist', [storeId])
    const res = await attempt({
      email: user.email.toUpperCase(),
      password: TEST_PASSWORD,
      redirectTo: '/campaigns/timeline',
    })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/campaigns/timeline')
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/^rs_session=[A-Za-z0-9_-]{43}; /)
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Lax')
    const browser = acceptCookie(anonymous(), res)
    expect((await getUser(get('/', browser)))?.id).toBe(user.id)
  })

  it('over https, names the cookies __Host- and marks them Secure', async () => {
    const user = await createUser(groupId, 'manager', [storeId])
    const csrf = 'https-browser-csrf-token-0123456789abcdefghijk'
    const request = new Request('https://roadshow.example/login', {
      method: 'POST',
      body: new URLSearchParams({ csrf, email: user.email, password: TEST_PASSWORD }),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `__Host-rs_csrf=${csrf}`,
        origin: 'https://roadshow.example',
        'x-roadshow-client-ip': nextIp(),
      },
    })
    const res = await settle(() => login.action({ request, ...ctx }))
    expect(res.status).toBe(302)
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/^__Host-rs_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/)
    const token = cookie.split(';')[0]!.split('=')[1]!
    const over = (scheme: string, name: string) => new Request(`${scheme}://roadshow.example/`, { headers: { cookie: `${name}=${token}` } })
    expect((await getUser(over('https', '__Host-rs_session')))?.id).toBe(user.id)
    // the unprefixed name is not read over https: a cookie set by an insecure page cannot stand in
    expect(await getUser(over('https', 'rs_session'))).toBeNull()
    // the CSRF form token of an https page is refused when it only matches the plain cookie
    const plain = new Request('https://roadshow.example/login', {
      method: 'POST',
      body: new URLSearchParams({ csrf, email: user.email, password: TEST_PASSWORD }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `rs_csrf=${csrf}` },
    })
    expect((await settle(() => login.action({ request: plain, ...ctx }))).status).toBe(403)
  })

  it('does not redirect off-site after signing in', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    const res = await attempt({ email: user.email, password: TEST_PASSWORD, redirectTo: '//evil.example/phish' })
    expect(res.headers.get('location')).toBe('/')
  })

  it('answers a wrong password with 401 and the generic message', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    const wrong = await attempt({ email: user.email, password: 'wrong-password' })
    expect(wrong.status).toBe(401)
    expect(wrong.data.errors).toEqual({ _form: 'login.invalid' })
    expect(wrong.headers.get('set-cookie')).toBeNull()
    // an unknown email gets exactly the same answer: it does not reveal who has an account
    const unknown = await attempt({ email: 'nobody@example.test', password: 'wrong-password' })
    expect(unknown.status).toBe(401)
    expect(unknown.data).toEqual(wrong.data)
    expect(translator('en')('login.invalid')).toBe('Email or password is incorrect.')
  })

  it('after 5 failures for one email refuses the 6th attempt with 429, even with the right password', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    for (let i = 0; i < 5; i++) {
      // from different addresses: the limit is per account as well as per address
      expect((await attempt({ email: user.email, password: `guess-${i}` })).status).toBe(401)
    }
    const sixth = await attempt({ email: user.email, password: TEST_PASSWORD })
    expect(sixth.status).toBe(429)
    expect(sixth.data.errors).toEqual({ _form: 'login.throttled' })
    expect(sixth.headers.get('set-cookie')).toBeNull()
    // other accounts are not locked out by it
    const other = await createUser(groupId, 'sales', [storeId])
    expect((await attempt({ email: other.email, password: TEST_PASSWORD })).status).toBe(302)
  })

  it('a deactivated user cannot sign in', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    await (await getDb()).update(users).set({ active: false }).where(eq(users.id, user.id))
    const res = await attempt({ email: user.email, password: TEST_PASSWORD })
    expect(res.status).toBe(401)
    expect(res.data.errors).toEqual({ _form: 'login.invalid' })
  })

  it('refuses a login post from another site (403)', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    const res = await attempt({ email: user.email, password: TEST_PASSWORD }, { origin: 'https://evil.example' })
    expect(res.status).toBe(403)
    expect(res.headers.get('set-cookie')).toBeNull()
  })

  it('counts parallel guesses at one account exactly: 25 at once get five 401s and twenty 429s', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => attempt({ email: user.email, password: `parallel-guess-${i}` })),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 401)).toHaveLength(5)
    expect(statuses.filter((s) => s === 429)).toHaveLength(20)
  })

  it('counts parallel guesses from one address exactly: 40 at once, at different accounts, get thirty 401s', async () => {
    const ip = nextIp()
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attempt({ email: `ghost-${i}@example.test`, password: 'wrong-password' }, { ip })),
    )
    expect(results.filter((r) => r.status === 401)).toHaveLength(30)
    expect(results.filter((r) => r.status === 429)).toHaveLength(10)
  })

  it('a right password does not count against the limit', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    for (let i = 0; i < 8; i++) expect((await attempt({ email: user.email, password: TEST_PASSWORD })).status).toBe(302)
    for (let i = 0; i < 5; i++) expect((await attempt({ email: user.email, password: `guess-${i}` })).status).toBe(401)
    expect((await attempt({ email: user.email, password: TEST_PASSWORD })).status).toBe(429)
  })

  it('the throttle counts through the indexes on (email, at) and (ip, at), not a scan of every attempt', async () => {
    const db = await getDb()
    const plan = await db.transaction(async (tx) => {
      // on a small table the planner would scan anyway: ask it what it does when it must choose
      await tx.execute(sql`set local enable_seqscan = off`)
      const since = new Date(Date.now() - 15 * 60_000).toISOString()
      const rows = await tx.execute(sql`explain
        select (select count(*) from login_attempts where email = ${'a@example.test'} and at > ${since}::timestamptz and not success),
               (select count(*) from login_attempts where ip = ${'203.0.113.9'} and at > ${since}::timestamptz and not success)`)
      return JSON.stringify(rows)
    })
    expect(plan).toContain('login_attempts_email_idx')
    expect(plan).toContain('login_attempts_ip_idx')
  })

  it('sends the user back only to a path of this site, however the address is written', async () => {
    const user = await createUser(groupId, 'specialist', [storeId])
    const cases: Array<[string, string]> = [
      ['/campaigns/timeline?from=2026-01-01#top', '/campaigns/timeline?from=2026-01-01#top'],
      ['/\t/evil.example/phish', '/'],
      ['//evil.example', '/'],
      ['/\\evil.example', '/'],
      ['/\\/evil.example', '/'],
      ['/./\/evil.example', '/'],
      ['/.//evil.example', '/'],
      ['/\nSet-Cookie: x=1', '/'],
      ['/\r\n/evil.example', '/'],
      ['/\u0000/evil.example', '/'],
      ['https://evil.example/', '/'],
      ['javascript:alert(1)', '/'],
      [' /\t/evil.example', '/'],
    ]
    for (const [redirectTo, expected] of cases) {
      const res = await attempt({ email: user.email, password: TEST_PASSWORD, redirectTo })
      expect(res.status, JSON.stringify(redirectTo)).toBe(302)
      expect(res.headers.get('location'), JSON.stringify(redirectTo)).toBe(expected)
    }
  })

  it('refuses a login post without the CSRF token (403)', async () => {
    const user = await createUser(groupId, 'sales', [storeId])
    const request = post('/login', { email: user.email, password: TEST_PASSWORD })
    expect((await settle(() => login.action({ request, ...ctx }))).status).toBe(403)
  })
})

describe('sign-out', () => {
  it('deletes the session: the old cookie no longer authenticates', async () => {
    const user = await createUser(groupId, 'manager', [storeId])
    const browser = await signIn(user.id)
    expect((await getUser(get('/', browser)))?.id).toBe(user.id)
    const res = await settle(() => logout.action({ request: post('/logout', {}, browser), ...ctx }))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/login')
    expect(res.headers.get('set-cookie')).toMatch(/^rs_session=; .*Max-Age=0/)
    // the browser that ignores the cleared cookie and replays the old one is not signed in
    expect(await getUser(get('/', browser))).toBeNull()
  })

  it('refuses a sign-out without the CSRF token, so another site cannot sign users out', async () => {
    const user = await createUser(groupId, 'manager', [storeId])
    const browser = await signIn(user.id)
    const res = await settle(() => logout.action({ request: post('/logout', {}, browser, { csrf: false }), ...ctx }))
    expect(res.status).toBe(403)
    expect(await getUser(get('/', browser))).not.toBeNull()
  })
})

describe('the demo accounts on the sign-in page', () => {
  it('are named only while they are active and still open with the demo password', async () => {
    const db = await getDb()
    const page = async () => (await settle(() => login.loader({ request: get('/login', anonymous()), ...ctx }))).data.demo
    // the demo accounts are tried in this file's database alone: none yet
    expect(await page()).toEqual({ password: '', accounts: [] })
    const hash = await hashPassword(DEMO_PASSWORD)
    const [manager] = await db.insert(users).values({ groupId, email: 'manager@roadshow.demo', name: '王经理', role: 'manager', passwordHash: hash }).returning()
    await db.insert(users).values({ groupId, email: 'exec@roadshow.demo', name: '赵总', role: 'executive', passwordHash: hash })
    // another account with the same password is not a demo account
    await db.insert(users).values({ groupId, email: 'someone@dealer.example', name: '某人', role: 'manager', passwordHash: hash })
    expect(await page()).toEqual({
      password: DEMO_PASSWORD,
      accounts: [
        { email: 'exec@roadshow.demo', role: 'executive' },
        { email: 'manager@roadshow.demo', role: 'manager' },
      ],
    })
    // the administrator gives the manager a password of their own and switches the executive off
    await db.update(users).set({ passwordHash: await hashPassword('a-password-of-their-own') }).where(eq(users.id, manager!.id))
    await db.update(users).set({ active: false }).where(eq(users.email, 'exec@roadshow.demo'))
    expect(await page()).toEqual({ password: '', accounts: [] })
  })
})
