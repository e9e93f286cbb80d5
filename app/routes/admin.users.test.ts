import { and, eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../../db/client'
import { auditLog, userStores, users } from '../../db/schema'
import type { Role } from '../../db/schema/enums'
import {
  createGroup,
  createStore,
  createUser,
  get,
  post,
  signIn,
  TEST_PASSWORD,
  type Browser,
} from '../../test/factories'
import { anonymous, settle, withHeaders } from '../../test/http'
import { getUser } from '../utils/auth.server'
import * as edit from './admin.users.$userId'
import * as list from './admin.users._index'
import * as create from './admin.users.new'
import * as login from './login'

type Store = Awaited<ReturnType<typeof createStore>>
type User = Awaited<ReturnType<typeof createUser>>

let storeA: Store
let storeB: Store
let admin: User
let adminBrowser: Browser
let colleague: User // in store A and store B
let outsider: User // store B only: another admin's user
let otherGroupUser: User

const ctx = { context: {} }
const listUsers = (path: string, browser: Browser) =>
  settle(() => list.loader({ request: get(path, browser), params: {}, ...ctx }))
const createAs = (fields: Record<string, string | string[]>, browser: Browser, options?: { csrf?: boolean }) =>
  settle(() => create.action({ request: post('/admin/users/new', fields, browser, options), params: {}, ...ctx }))
const editAs = (userId: string, fields: Record<string, string | string[]>, browser: Browser) =>
  settle(() => edit.action({ request: post(`/admin/users/${userId}`, fields, browser), params: { userId }, ...ctx }))
const loadEdit = (userId: string, browser: Browser) =>
  settle(() => edit.loader({ request: get(`/admin/users/${userId}`, browser), params: { userId }, ...ctx }))

async function signInWithPassword(email: string, password: string) {
  const request = post('/login', { email, password }, anonymous())
  return settle(() => login.action({ request, params: {}, ...ctx }))
}

async function findUser(email: string) {
  const db = await getDb()
  const [row] = await db
    .select()
    .from(users)
    .where(sql`lower(${users.email}) = ${email.toLowerCase()}`)
  return row
}

async function countUsers() {
  const db = await getDb()
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users)
  return row!.n
}

async function storeIdsOf(userId: string) {
  const db = await getDb()
  const rows = await db.select({ storeId: userStores.storeId }).from(userStores).where(eq(userStores.userId, userId))
  return rows.map((r) => r.storeId).sort()
}

const newUser = (overrides: Record<string, string | string[]> = {}) => ({
  name: '王芳',
  email: `wang.fang.${Math.random().toString(36).slice(2, 8)}@example.test`,
  role: 'specialist',
  'storeIds[]': [storeA.id],
  active: 'on',
  password: 'a-good-long-password',
  ...overrides,
})

beforeAll(async () => {
  const group = await createGroup()
  storeA = await createStore(group.id, 'A 杭州西湖店')
  storeB = await createStore(group.id, 'B 宁波店')
  admin = await createUser(group.id, 'admin', [storeA.id])
  adminBrowser = await signIn(admin.id)
  colleague = await createUser(group.id, 'sales', [storeA.id, storeB.id])
  outsider = await createUser(group.id, 'specialist', [storeB.id])
  const group2 = await createGroup()
  const storeZ = await createStore(group2.id)
  otherGroupUser = await createUser(group2.id, 'manager', [storeZ.id])
})

describe('creating a user', () => {
  it('an admin creates a user who can then sign in, and the creation is audited', async () => {
    const fields = newUser({ email: 'Li.Na@Example.test' })
    const res = await createAs(fields, adminBrowser)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/admin/users?notice=created')

    const created = await findUser('li.na@example.test')
    expect(created).toMatchObject({ name: '王芳', role: 'specialist', active: true, email: 'li.na@example.test' })
    expect(await storeIdsOf(created!.id)).toEqual([storeA.id])
    expect(created!.passwordHash).not.toContain('a-good-long-password')

    const db = await getDb()
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.create'), eq(auditLog.entityId, created!.id)))
    expect(entry).toMatchObject({ userId: admin.id, entityType: 'user' })
    expect(JSON.stringify(entry!.after)).not.toContain('a-good-long-password')

    const signedIn = await signInWithPassword('li.na@example.test', 'a-good-long-password')
    expect(signedIn.status).toBe(302)
    expect(signedIn.headers.get('set-cookie')).toMatch(/^rs_session=/)
  })

  it('returns field errors for invalid input and stores nothing', async () => {
    const email = 'not-an-email'
    const res = await createAs(newUser({ name: '  ', email, password: 'short', 'storeIds[]': [] }), adminBrowser)
    expect(res.status).toBe(400)
    expect(res.data.errors).toEqual({
      name: 'validation.required',
      email: 'validation.email',
      password: 'validation.tooShort?min=10',
      storeIds: 'validation.storeRequired',
    })
    // what was typed comes back (never the password), so the form can show it again
    expect(res.data.values).toMatchObject({ email, role: 'specialist', active: true })
    expect(res.data.values).not.toHaveProperty('password')
    expect(await findUser(email)).toBeUndefined()
  })

  it('requires a password on create', async () => {
    const res = await createAs(newUser({ password: '' }), adminBrowser)
    expect(res.status).toBe(400)
    expect(res.data.errors.password).toBe('validation.tooShort?min=10')
  })

  it('refuses an email another user has, whatever its case', async () => {
    const before = await countUsers()
    const res = await createAs(newUser({ email: colleague.email.toUpperCase() }), adminBrowser)
    expect(res.status).toBe(400)
    expect(res.data.errors).toEqual({ email: 'validation.emailTaken' })
    expect(await countUsers()).toBe(before)
    // reported together with the other mistakes, not one round later
    const both = await createAs(newUser({ email: colleague.email, password: 'short' }), adminBrowser)
    expect(both.data.errors).toEqual({ email: 'validation.emailTaken', password: 'validation.tooShort?min=10' })
  })

  it('lets an executive have no store, but not the other roles', async () => {
    const exec = newUser({ role: 'executive', 'storeIds[]': [] })
    expect((await createAs(exec, adminBrowser)).status).toBe(302)
    expect(await findUser(exec.email as string)).toMatchObject({ role: 'executive' })

    for (const role of ['admin', 'manager', 'specialist', 'sales'] satisfies Role[]) {
      const res = await createAs(newUser({ role, 'storeIds[]': [] }), adminBrowser)
      expect(res.status, role).toBe(400)
      expect(res.data.errors.storeIds, role).toBe('validation.storeRequired')
    }
  })

  it('grants only stores the admin manages', async () => {
    const fields = newUser({ 'storeIds[]': [storeA.id, storeB.id] })
    const res = await createAs(fields, adminBrowser)
    expect(res.status).toBe(400)
    expect(res.data.errors.storeIds).toBe('validation.choice')
    expect(await findUser(fields.email as string)).toBeUndefined()
  })

  it('refuses a post without the CSRF token or from another site', async () => {
    const fields = newUser()
    expect((await createAs(fields, adminBrowser, { csrf: false })).status).toBe(403)
    const crossSite = withHeaders(post('/admin/users/new', fields, adminBrowser), { origin: 'https://evil.example' })
    expect((await settle(() => create.action({ request: crossSite, params: {}, ...ctx }))).status).toBe(403)
    expect(await findUser(fields.email as string)).toBeUndefined()
  })
})

describe('the user list', () => {
  it('lists the users of the admin’s stores with their roles and stores, and no one else', async () => {
    const res = await listUsers('/admin/users', adminBrowser)
    expect(res.status).toBe(200)
    const ids = res.data.users.map((u: { id: string }) => u.id)
    expect(ids).toContain(admin.id)
    expect(ids).toContain(colleague.id)
    expect(ids).not.toContain(outsider.id)
    expect(ids).not.toContain(otherGroupUser.id)
    const row = res.data.users.find((u: { id: string }) => u.id === colleague.id)
    // the colleague's other store is counted, not named: the admin does not manage it
    expect(row).toMatchObject({ role: 'sales', active: true, stores: ['A 杭州西湖店'], otherStores: 1 })
    expect(res.data.users.find((u: { id: string }) => u.id === admin.id).isSelf).toBe(true)
  })

  it('searches by name or email, filters by role and sorts', async () => {
    const byEmail = await listUsers(
      `/admin/users?q=${encodeURIComponent(colleague.email.slice(0, 12).toUpperCase())}`,
      adminBrowser
    )
    expect(byEmail.data.users.map((u: { id: string }) => u.id)).toEqual([colleague.id])

    const byRole = await listUsers('/admin/users?role=executive', adminBrowser)
    expect(byRole.data.users.length).toBeGreaterThan(0)
    expect(byRole.data.users.every((u: { role: string }) => u.role === 'executive')).toBe(true)

    const desc = await listUsers('/admin/users?sort=email&dir=desc', adminBrowser)
    const emails = desc.data.users.map((u: { email: string }) => u.email)
    expect(emails).toEqual([...emails].sort().reverse())

    // a search with SQL wildcards matches them literally
    const none = await listUsers('/admin/users?q=%25_%25', adminBrowser)
    expect(none.data.users).toEqual([])
    expect(none.data.filtered).toBe(true)

    // nonsense in the query string falls back to the defaults
    const junk = await listUsers('/admin/users?role=boss&sort=password&dir=sideways', adminBrowser)
    expect(junk.status).toBe(200)
    expect(junk.data.query).toMatchObject({ sort: 'name', dir: 'asc' })
  })
})

describe('editing a user', () => {
  it('loads and saves a user; an empty password keeps the current one; other stores are kept', async () => {
    const loaded = await loadEdit(colleague.id, adminBrowser)
    expect(loaded.status).toBe(200)
    expect(loaded.data.user).toMatchObject({ id: colleague.id, storeIds: [storeA.id] })
    expect(loaded.data.outsideStores).toBe(1)

    const res = await editAs(
      colleague.id,
      {
        name: '李雷（前台）',
        email: colleague.email,
        role: 'specialist',
        'storeIds[]': [storeA.id],
        active: 'on',
        password: '',
      },
      adminBrowser
    )
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/admin/users?notice=updated')
    expect(await findUser(colleague.email)).toMatchObject({ name: '李雷（前台）', role: 'specialist' })
    expect(await storeIdsOf(colleague.id)).toEqual([storeA.id, storeB.id].sort())
    expect((await signInWithPassword(colleague.email, TEST_PASSWORD)).status).toBe(302)

    const db = await getDb()
    const [entry] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.update'), eq(auditLog.entityId, colleague.id)))
    expect(entry).toMatchObject({ userId: admin.id, before: expect.objectContaining({ role: 'sales' }) })
    expect(entry!.after).toMatchObject({ role: 'specialist', name: '李雷（前台）' })
    expect(entry!.after).not.toHaveProperty('password')
  })

  it('validates the new password when one is given', async () => {
    const res = await editAs(
      colleague.id,
      { name: 'x', email: colleague.email, role: 'sales', 'storeIds[]': [storeA.id], active: 'on', password: 'short' },
      adminBrowser
    )
    expect(res.status).toBe(400)
    expect(res.data.errors.password).toBe('validation.tooShort?min=10')
  })

  it('refuses to take another user’s email', async () => {
    const res = await editAs(
      colleague.id,
      { name: 'x', email: admin.email, role: 'sales', 'storeIds[]': [storeA.id], active: 'on' },
      adminBrowser
    )
    expect(res.status).toBe(400)
    expect(res.data.errors.email).toBe('validation.emailTaken')
  })

  it('an admin cannot deactivate themself or change their own role', async () => {
    const res = await editAs(
      admin.id,
      { name: admin.name, email: admin.email, role: 'manager', 'storeIds[]': [storeA.id] },
      adminBrowser
    )
    expect(res.status).toBe(400)
    expect(res.data.errors).toMatchObject({ active: 'users.cannotDeactivateSelf', role: 'users.cannotChangeOwnRole' })
    expect(await findUser(admin.email)).toMatchObject({ active: true, role: 'admin' })
  })

  it('deactivating a user ends their sessions and they can no longer sign in', async () => {
    const target = await createUser(admin.groupId, 'sales', [storeA.id])
    const theirBrowser = await signIn(target.id)
    expect(await getUser(get('/', theirBrowser))).not.toBeNull()
    const res = await editAs(
      target.id,
      { name: target.name, email: target.email, role: 'sales', 'storeIds[]': [storeA.id] },
      adminBrowser
    )
    expect(res.status).toBe(302)
    expect(await getUser(get('/', theirBrowser))).toBeNull()
    expect((await signInWithPassword(target.email, TEST_PASSWORD)).status).toBe(401)
  })

  it('is 404 for a user outside the admin’s stores, in another group, or unknown', async () => {
    for (const id of [outsider.id, otherGroupUser.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await loadEdit(id, adminBrowser)).status, id).toBe(404)
      const res = await editAs(
        id,
        { name: 'Hijack', email: `hijack-${id}@example.test`, role: 'admin', 'storeIds[]': [storeA.id], active: 'on' },
        adminBrowser
      )
      expect(res.status, id).toBe(404)
    }
    expect(await findUser(outsider.email)).toMatchObject({ name: outsider.name, role: 'specialist' })
  })
})

describe('permissions', () => {
  it('every role but admin gets 403 on every loader and action', async () => {
    const group = await createGroup()
    const store = await createStore(group.id)
    const target = await createUser(group.id, 'sales', [store.id])
    for (const role of ['manager', 'specialist', 'sales', 'executive'] satisfies Role[]) {
      const user = await createUser(group.id, role, [store.id])
      const browser = await signIn(user.id)
      const fields = newUser({ 'storeIds[]': [store.id] })
      const results = {
        list: await listUsers('/admin/users', browser),
        newLoader: await settle(() => create.loader({ request: get('/admin/users/new', browser), params: {}, ...ctx })),
        newAction: await createAs(fields, browser),
        editLoader: await loadEdit(target.id, browser),
        editAction: await editAs(target.id, { ...fields, email: target.email }, browser),
      }
      for (const [name, res] of Object.entries(results)) expect(res.status, `${role} ${name}`).toBe(403)
      expect(await findUser(fields.email as string)).toBeUndefined()
    }
  })

  it('sends a visitor who is not signed in to the login page', async () => {
    const res = await settle(() => list.loader({ request: get('/admin/users'), params: {}, ...ctx }))
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('/login?redirectTo=%2Fadmin%2Fusers')
  })
})
