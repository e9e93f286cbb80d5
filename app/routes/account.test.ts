import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../../db/client'
import { users } from '../../db/schema'
import { createGroup, createStore, createUser, get, post, signIn, TEST_PASSWORD } from '../../test/factories'
import { acceptCookie, anonymous, settle, withHeaders } from '../../test/http'
import { getUser } from '../utils/auth.server'
import * as account from './account'
import * as login from './login'
import * as language from './settings.language'

type Store = Awaited<ReturnType<typeof createStore>>
let storeA: Store
let storeB: Store
let groupId: string

const ctx = { params: {}, context: {} }
const signInWith = (email: string, password: string) =>
  settle(() => login.action({ request: post('/login', { email, password }, anonymous()), ...ctx }))

beforeAll(async () => {
  const group = await createGroup()
  groupId = group.id
  storeA = await createStore(group.id, '西湖店')
  storeB = await createStore(group.id, '滨江店')
})

describe('my account', () => {
  it('shows the user’s name, email, role and stores', async () => {
    const user = await createUser(groupId, 'specialist', [storeA.id])
    const browser = await signIn(user.id)
    const res = await settle(() => account.loader({ request: get('/account', browser), ...ctx }))
    expect(res.status).toBe(200)
    expect(res.data.profile).toEqual({
      name: user.name,
      email: user.email,
      role: 'specialist',
      allStores: false,
      stores: ['西湖店'],
    })

    const exec = await createUser(groupId, 'executive', [])
    const execBrowser = await signIn(exec.id)
    const execView = await settle(() => account.loader({ request: get('/account', execBrowser), ...ctx }))
    expect(execView.data.profile).toMatchObject({
      allStores: true,
      stores: expect.arrayContaining(['西湖店', '滨江店']),
    })
  })

  it('changes the password: the old one stops working, other sessions end, this browser stays signed in', async () => {
    const user = await createUser(groupId, 'manager', [storeA.id, storeB.id])
    const browser = await signIn(user.id)
    const otherDevice = await signIn(user.id)
    const next = 'a-brand-new-password'
    const res = await settle(() =>
      account.action({
        request: post(
          '/account',
          { currentPassword: TEST_PASSWORD, newPassword: next, confirmPassword: next },
          browser
        ),
        ...ctx,
      })
    )
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/account?notice=password')
    expect(res.headers.get('set-cookie')).toMatch(/^rs_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax/)

    // every earlier session is gone, the fresh cookie works
    expect(await getUser(get('/', otherDevice))).toBeNull()
    expect(await getUser(get('/', browser))).toBeNull()
    expect((await getUser(get('/', acceptCookie(browser, res))))?.id).toBe(user.id)

    expect((await signInWith(user.email, TEST_PASSWORD)).status).toBe(401)
    expect((await signInWith(user.email, next)).status).toBe(302)
  })

  it('refuses a new password that is too short, commonly used, or the user’s own email or name (NIST SP 800-63B)', async () => {
    const user = await createUser(groupId, 'sales', [storeA.id])
    const browser = await signIn(user.id)
    const local = user.email.split('@')[0]!
    const cases: Array<[string, string]> = [
      ['short-one', 'validation.tooShort?min=10'],
      ['password123', 'validation.passwordCommon'],
      ['Password123!', 'validation.passwordCommon'],
      ['qwertyuiop', 'validation.passwordCommon'],
      ['1234567890', 'validation.passwordCommon'],
      ['aaaaaaaaaaaa', 'validation.passwordCommon'],
      [`${local}!2026`, 'validation.passwordPersonal'],
    ]
    for (const [next, error] of cases) {
      const res = await settle(() =>
        account.action({
          request: post('/account', { currentPassword: TEST_PASSWORD, newPassword: next, confirmPassword: next }, browser),
          ...ctx,
        })
      )
      expect(res.status, next).toBe(400)
      expect(res.data.errors, next).toEqual({ newPassword: error })
    }
    // nothing changed: the old password still works, the session too
    expect(await getUser(get('/', browser))).not.toBeNull()
    expect((await signInWith(user.email, TEST_PASSWORD)).status).toBe(302)
  })

  it('a wrong current password is a field error and changes nothing', async () => {
    const user = await createUser(groupId, 'sales', [storeA.id])
    const browser = await signIn(user.id)
    const res = await settle(() =>
      account.action({
        request: post(
          '/account',
          { currentPassword: 'not-my-password', newPassword: 'another-password', confirmPassword: 'another-password' },
          browser
        ),
        ...ctx,
      })
    )
    expect(res.status).toBe(400)
    expect(res.data.errors).toEqual({ currentPassword: 'account.wrongPassword' })
    expect(await getUser(get('/', browser))).not.toBeNull()
    expect((await signInWith(user.email, TEST_PASSWORD)).status).toBe(302)
  })

  it('after 5 wrong current passwords refuses the 6th attempt with 429, even with the right password', async () => {
    const user = await createUser(groupId, 'sales', [storeA.id])
    const browser = await signIn(user.id)
    const db = await getDb()
    const hashOf = async () =>
      (await db.select({ hash: users.passwordHash }).from(users).where(eq(users.id, user.id)))[0]!.hash
    const hashBefore = await hashOf()
    const next = 'a-password-for-the-thief'
    // a borrowed session guessing the password, from its own address
    const attempt = (currentPassword: string) =>
      settle(() =>
        account.action({
          request: withHeaders(
            post('/account', { currentPassword, newPassword: next, confirmPassword: next }, browser),
            { 'x-roadshow-client-ip': '198.51.100.7' }
          ),
          ...ctx,
        })
      )
    for (let i = 0; i < 5; i++) {
      const res = await attempt(`guess-${i}-wrong`)
      expect(res.status, `guess ${i}`).toBe(400)
      expect(res.data.errors).toEqual({ currentPassword: 'account.wrongPassword' })
    }
    const sixth = await attempt(TEST_PASSWORD)
    expect(sixth.status).toBe(429)
    expect(sixth.data.errors).toEqual({ currentPassword: 'login.throttled' })
    expect(sixth.headers.get('set-cookie')).toBeNull()

    // nothing changed: same password, the session still works
    expect(await hashOf()).toBe(hashBefore)
    expect((await getUser(get('/', browser)))?.id).toBe(user.id)
    // the failures count as failed sign-ins: the login form is throttled for this account too
    expect((await signInWith(user.email, TEST_PASSWORD)).status).toBe(429)
    expect((await signInWith(user.email, next)).status).toBe(429)
  })

  it('checks the new password: length and repetition', async () => {
    const user = await createUser(groupId, 'sales', [storeA.id])
    const browser = await signIn(user.id)
    const attempt = (fields: Record<string, string>) =>
      settle(() => account.action({ request: post('/account', fields, browser), ...ctx }))
    const short = await attempt({ currentPassword: TEST_PASSWORD, newPassword: 'short', confirmPassword: 'short' })
    expect(short.status).toBe(400)
    expect(short.data.errors.newPassword).toBe('validation.tooShort?min=10')
    const mismatch = await attempt({
      currentPassword: TEST_PASSWORD,
      newPassword: 'long-enough-1',
      confirmPassword: 'long-enough-2',
    })
    expect(mismatch.data.errors).toEqual({ confirmPassword: 'account.mismatch' })
  })

  it('refuses a password change without the CSRF token', async () => {
    const user = await createUser(groupId, 'sales', [storeA.id])
    const browser = await signIn(user.id)
    const res = await settle(() =>
      account.action({
        request: post(
          '/account',
          { currentPassword: TEST_PASSWORD, newPassword: 'stolen-password!', confirmPassword: 'stolen-password!' },
          browser,
          { csrf: false }
        ),
        ...ctx,
      })
    )
    expect(res.status).toBe(403)
    expect((await signInWith(user.email, TEST_PASSWORD)).status).toBe(302)
  })

  it('saves the language preference and comes back to the account page', async () => {
    const user = await createUser(groupId, 'sales', [storeA.id])
    const browser = await signIn(user.id)
    const res = await settle(() =>
      language.action({
        request: post('/settings/language', { locale: 'en', redirectTo: '/account' }, browser),
        ...ctx,
      })
    )
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/account')
    expect((await getUser(get('/', browser)))?.locale).toBe('en')
  })

  it('sends a visitor who is not signed in to the login page', async () => {
    const res = await settle(() => account.loader({ request: get('/account'), ...ctx }))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/login?redirectTo=%2Faccount')
  })
})
