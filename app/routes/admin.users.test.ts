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
let storeZ: Store // another group's store
let admin: User // holds both stores of the group, so manages everyone in it, executives too
let adminBrowser: Browser
let storeAAdmin: User // holds store A only
let storeABrowser: Browser
let colleague: User // in store A and store B
let outsider: User // store B only
let executive: User // no store: reads every store of the group
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
  admin = await createUser(group.id, 'admin', [storeA.id, storeB.id])
  adminBrowser = await signIn(admin.id)
  storeAAdmin = await createUser(group.id, 'admin', [storeA.id])
  storeABrowser = await signIn(storeAAdmin.id)
  colleague = await createUser(group.id, 'sales', [storeA.id, storeB.id])
  outsider = await createUser(group.id, 'specialist', [storeB.id])
  executive = await createUser(group.id, 'executive', [])
  const group2 = await createGroup()
  storeZ = await createStore(group2.id)
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
    // another group's store, or one that does not exist
    for (const storeId of [storeZ.id, '00000000-0000-4000-8000-000000000000']) {
      const fields = newUser({ 'storeIds[]': [storeA.id, storeId] })
      const res = await createAs(fields, adminBrowser)
      expect(res.status, storeId).toBe(400)
      expect(res.data.errors.storeIds, storeId).toBe('validation.choice')
      expect(await findUser(fields.email as string)).toBeUndefined()
    }
    // the admin of store A alone cannot grant store B
    const fields = newUser({ 'storeIds[]': [storeA.id, storeB.id] })
    const res = await createAs(fields, storeABrowser)
    expect(res.status).toBe(400)
    expect(res.data.errors.storeIds).toBe('validation.choice')
    expect(await findUser(fields.email as string)).toBeUndefined()
    // the admin of both stores can
    const both = newUser({ 'storeIds[]': [storeA.id, storeB.id] })
    expect((await createAs(both, adminBrowser)).status).toBe(302)
    expect(await storeIdsOf((await findUser(both.email as string))!.id)).toEqual([storeA.id, storeB.id].sort())
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
    // the admin of every store of the group manages everyone in it, executives included
    for (const user of [admin, storeAAdmin, colleague, outsider, executive]) expect(ids).toContain(user.id)
    expect(ids).not.toContain(otherGroupUser.id)
    const row = res.data.users.find((u: { id: string }) => u.id === colleague.id)
    // every store of a listed user is one of the admin's: all are named, none is left over
    expect(row).toMatchObject({ role: 'sales', active: true, otherStores: 0 })
    expect([...row.stores].sort()).toEqual(['A 杭州西湖店', 'B 宁波店'])
    expect(res.data.users.find((u: { id: string }) => u.id === executive.id)).toMatchObject({
      role: 'executive',
      stores: [],
      otherStores: 0,
    })
    expect(res.data.users.find((u: { id: string }) => u.id === admin.id).isSelf).toBe(true)
  })

  it('an admin of only some stores sees only the users all of whose stores are theirs', async () => {
    const storeAUser = await createUser(admin.groupId, 'sales', [storeA.id])
    const res = await listUsers('/admin/users', storeABrowser)
    expect(res.status).toBe(200)
    const ids = res.data.users.map((u: { id: string }) => u.id)
    expect(ids).toContain(storeAAdmin.id)
    expect(ids).toContain(storeAUser.id)
    // a colleague who also works in store B, store B's staff, the executives (who read every
    // store) and the admin of both stores are beyond this admin
    for (const user of [colleague, outsider, executive, admin, otherGroupUser]) expect(ids).not.toContain(user.id)
    expect(res.data.users.every((u: { otherStores: number }) => u.otherStores === 0)).toBe(true)
    expect((await listUsers('/admin/users?role=executive', storeABrowser)).data.users).toEqual([])
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

    // no sort is the default one; nonsense in the query string is refused with 400 naming each field
    expect((await listUsers('/admin/users?role=', adminBrowser)).data.query).toMatchObject({ sort: 'name', dir: 'asc' })
    const junk = await listUsers('/admin/users?role=boss&sort=password&dir=sideways', adminBrowser)
    expect(junk.status).toBe(400)
    for (const field of ['role', 'sort', 'dir']) expect(junk.data).toContain(field)
  })
})

describe('editing a user', () => {
  it('loads and saves a user; an empty password keeps the current one; the stores are kept', async () => {
    const loaded = await loadEdit(colleague.id, adminBrowser)
    expect(loaded.status).toBe(200)
    // both of the colleague's stores are the admin's: all are shown, none is hidden
    expect(loaded.data.user).toMatchObject({ id: colleague.id, storeIds: [storeA.id, storeB.id].sort() })
    expect(loaded.data.outsideStores).toBe(0)

    const res = await editAs(
      colleague.id,
      {
        name: '李雷（前台）',
        email: colleague.email,
        role: 'specialist',
        'storeIds[]': [storeA.id, storeB.id],
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
    expect(entry!.after).toMatchObject({ role: 'specialist', name: '李雷（前台）', storeIds: [storeA.id, storeB.id].sort() })
    expect(entry!.after).not.toHaveProperty('password')
  })

  it('the stores are set to exactly those ticked, since every store of a managed user is the admin’s', async () => {
    const target = await createUser(admin.groupId, 'sales', [storeA.id, storeB.id])
    const fields = { name: target.name, email: target.email, role: 'sales', active: 'on' }
    expect((await editAs(target.id, { ...fields, 'storeIds[]': [storeA.id] }, adminBrowser)).status).toBe(302)
    expect(await storeIdsOf(target.id)).toEqual([storeA.id])
    expect((await editAs(target.id, { ...fields, 'storeIds[]': [storeB.id] }, adminBrowser)).status).toBe(302)
    expect(await storeIdsOf(target.id)).toEqual([storeB.id])

    const db = await getDb()
    const entries = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'user.update'), eq(auditLog.entityId, target.id)))
      .orderBy(auditLog.id)
    expect(entries.map((e) => (e.after as { storeIds: string[] }).storeIds)).toEqual([[storeA.id], [storeB.id]])
  })

  it('validates the new password when one is given', async () => {
    const res = await editAs(
      colleague.id,
      { name: 'x', email: colleague.email, role: 'sales', 'storeIds[]': [storeA.id], active: 'on', password: 'short' },
      adminBrowser
    )
    expect(res.status).toBe(400)
    expect(res.data.errors.password).toBe('validation.tooShort?min=10')
    const common = await editAs(
      colleague.id,
      { name: 'x', email: colleague.email, role: 'sales', 'storeIds[]': [storeA.id], active: 'on', password: 'iloveyou123' },
      adminBrowser
    )
    expect(common.status).toBe(400)
    expect(common.data.errors.password).toBe('validation.passwordCommon')
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

  it('is 404 for a user in another group, or unknown', async () => {
    for (const id of [otherGroupUser.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await loadEdit(id, adminBrowser)).status, id).toBe(404)
      const res = await editAs(
        id,
        { name: 'Hijack', email: `hijack-${id}@example.test`, role: 'admin', 'storeIds[]': [storeA.id], active: 'on' },
        adminBrowser
      )
      expect(res.status, id).toBe(404)
    }
    expect(await findUser(otherGroupUser.email)).toMatchObject({ name: otherGroupUser.name, role: 'manager' })
  })
})

describe('an admin of only some of the group’s stores', () => {
  const hijack = (user: User, overrides: Record<string, string | string[]> = {}) => ({
    name: 'Hijack',
    email: user.email,
    role: user.role,
    'storeIds[]': [storeA.id],
    active: 'on',
    password: 'a-hijacked-password',
    ...overrides,
  })

  it('cannot open or save a user who also works elsewhere, an executive, or the admin of more stores', async () => {
    // a colleague of store A and B, store B's staff, an executive and the admin of both stores
    const targets = [colleague, outsider, executive, admin]
    const before = await Promise.all(targets.map((u) => findUser(u.email)))
    const storesBefore = await Promise.all(targets.map((u) => storeIdsOf(u.id)))
    for (const user of targets) {
      expect((await loadEdit(user.id, storeABrowser)).status, user.email).toBe(404)
      // not even to take them out of the other store, or to reset their password
      expect((await editAs(user.id, hijack(user), storeABrowser)).status, user.email).toBe(404)
      expect((await editAs(user.id, hijack(user, { role: 'sales' }), storeABrowser)).status, user.email).toBe(404)
    }
    expect(await Promise.all(targets.map((u) => findUser(u.email)))).toEqual(before)
    expect(await Promise.all(targets.map((u) => storeIdsOf(u.id)))).toEqual(storesBefore)
    expect((await signInWithPassword(executive.email, 'a-hijacked-password')).status).toBe(401)
    expect((await signInWithPassword(executive.email, TEST_PASSWORD)).status).toBe(302)
  })

  it('cannot open an executive who happens to belong to one of their stores', async () => {
    // an executive reads every store whatever their memberships, so a store-A membership
    // must not bring them within reach of the admin of store A
    const execInA = await createUser(admin.groupId, 'executive', [storeA.id])
    expect((await listUsers('/admin/users', storeABrowser)).data.users.map((u: { id: string }) => u.id)).not.toContain(
      execInA.id
    )
    expect((await loadEdit(execInA.id, storeABrowser)).status).toBe(404)
    expect((await editAs(execInA.id, hijack(execInA, { role: 'sales' }), storeABrowser)).status).toBe(404)
    expect(await findUser(execInA.email)).toMatchObject({ name: execInA.name, role: 'executive' })
    // the admin of every store manages them
    expect((await loadEdit(execInA.id, adminBrowser)).status).toBe(200)
  })

  it('cannot create an executive, with or without a store, and nothing is stored', async () => {
    const before = await countUsers()
    for (const storeIds of [[], [storeA.id]]) {
      const fields = newUser({ role: 'executive', 'storeIds[]': storeIds })
      const res = await createAs(fields, storeABrowser)
      expect(res.status, String(storeIds)).toBe(400)
      expect(res.data.errors, String(storeIds)).toEqual({ role: 'users.executiveNeedsGroupAdmin' })
      expect(res.data.values).toMatchObject({ role: 'executive' })
      expect(await findUser(fields.email as string)).toBeUndefined()
    }
    // nor a user with no store at all, whatever the role
    const storeless = await createAs(newUser({ 'storeIds[]': [] }), storeABrowser)
    expect(storeless.status).toBe(400)
    expect(storeless.data.errors).toEqual({ storeIds: 'validation.storeRequired' })
    expect(await countUsers()).toBe(before)
  })

  it('creates and edits a user of store A, but cannot make them an executive', async () => {
    const fields = newUser({ role: 'sales' })
    const created = await createAs(fields, storeABrowser)
    expect(created.status).toBe(302)
    const user = (await findUser(fields.email as string))!
    expect(user).toMatchObject({ role: 'sales', active: true })
    expect(await storeIdsOf(user.id)).toEqual([storeA.id])
    expect((await listUsers('/admin/users', storeABrowser)).data.users.map((u: { id: string }) => u.id)).toContain(user.id)

    const loaded = await loadEdit(user.id, storeABrowser)
    expect(loaded.status).toBe(200)
    expect(loaded.data.user).toMatchObject({ id: user.id, storeIds: [storeA.id] })
    expect(loaded.data.outsideStores).toBe(0)
    expect(loaded.data.stores.map((s: { id: string }) => s.id)).toEqual([storeA.id])

    const edit = { name: '韩梅梅', email: user.email, role: 'specialist', 'storeIds[]': [storeA.id], active: 'on' }
    const saved = await editAs(user.id, { ...edit, password: 'a-reset-long-password' }, storeABrowser)
    expect(saved.status).toBe(302)
    expect(await findUser(user.email)).toMatchObject({ name: '韩梅梅', role: 'specialist' })
    expect(await storeIdsOf(user.id)).toEqual([storeA.id])
    expect((await signInWithPassword(user.email, 'a-reset-long-password')).status).toBe(302)

    const promote = await editAs(user.id, { ...edit, role: 'executive' }, storeABrowser)
    expect(promote.status).toBe(400)
    expect(promote.data.errors).toEqual({ role: 'users.executiveNeedsGroupAdmin' })
    const moveOut = await editAs(user.id, { ...edit, 'storeIds[]': [storeB.id] }, storeABrowser)
    expect(moveOut.status).toBe(400)
    expect(moveOut.data.errors).toEqual({ storeIds: 'validation.choice' })
    expect(await findUser(user.email)).toMatchObject({ name: '韩梅梅', role: 'specialist' })
    expect(await storeIdsOf(user.id)).toEqual([storeA.id])
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
