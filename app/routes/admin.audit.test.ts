import { desc, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../../db/client'
import { auditLog } from '../../db/schema'
import type { Role } from '../../db/schema/enums'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from '../../test/factories'
import { settle } from '../../test/http'
import { recordAudit } from '../services/audit.server'
import * as audit from './admin.audit'
import * as createUserRoute from './admin.users.new'

type Store = Awaited<ReturnType<typeof createStore>>
type User = Awaited<ReturnType<typeof createUser>>
type Entry = {
  id: number
  at: string
  timeZone: string
  store: string | null
  who: { id: string; name: string } | null
  action: string
  entityType: string
  entityId: string | null
  entityName: string | null
  created: boolean
  changes: Array<{ key: string; before: unknown; after: unknown }>
}

let storeA: Store
let storeB: Store
let storeZ: Store
let admin: User
let specialistA: User
let managerZ: User
let browsers: Record<'admin' | 'managerA' | 'managerB' | 'executive' | 'managerZ', Browser>
let createdUserId: string

const view = async (browser: Browser, query = '') => {
  const res = await settle(() =>
    audit.loader({ request: get(`/admin/audit${query}`, browser), params: {}, context: {} })
  )
  expect(res.status).toBe(200)
  return res.data as {
    entries: Entry[]
    total: number
    page: number
    pages: number
    facets: { entityTypes: string[]; actions: string[] }
  }
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = await createStore(group.id, '西湖店')
  storeB = await createStore(group.id, '宁波店')
  admin = await createUser(group.id, 'admin', [storeA.id])
  specialistA = await createUser(group.id, 'specialist', [storeA.id])
  const managerA = await createUser(group.id, 'manager', [storeA.id])
  const managerB = await createUser(group.id, 'manager', [storeB.id])
  const executive = await createUser(group.id, 'executive', [])
  const group2 = await createGroup()
  storeZ = await createStore(group2.id, '别的集团的店')
  managerZ = await createUser(group2.id, 'manager', [storeZ.id])
  browsers = {
    admin: await signIn(admin.id),
    managerA: await signIn(managerA.id),
    managerB: await signIn(managerB.id),
    executive: await signIn(executive.id),
    managerZ: await signIn(managerZ.id),
  }

  // a real mutation through the route: the admin creates a user
  const res = await settle(() =>
    createUserRoute.action({
      request: post(
        '/admin/users/new',
        {
          name: '赵敏',
          email: 'zhao.min@example.test',
          role: 'sales',
          'storeIds[]': [storeA.id],
          active: 'on',
          password: 'a-good-long-password',
        },
        browsers.admin
      ),
      params: {},
      context: {},
    })
  )
  expect(res.status).toBe(302)

  // store-scoped entries, as the campaign pages write them
  const db = await getDb()
  await recordAudit(db, {
    userId: specialistA.id,
    storeId: storeA.id,
    action: 'campaign.update',
    entityType: 'campaign',
    entityId: 'c-a',
    before: { theme: 'old', name: 'A' },
    after: { theme: 'new', name: 'A' },
  })
  await recordAudit(db, {
    userId: managerB.id,
    storeId: storeB.id,
    action: 'campaign.update',
    entityType: 'campaign',
    entityId: 'c-b',
    after: { theme: 'B' },
  })
  await recordAudit(db, {
    userId: managerZ.id,
    storeId: storeZ.id,
    action: 'campaign.update',
    entityType: 'campaign',
    entityId: 'c-z',
    after: { theme: 'Z' },
  })
  await recordAudit(db, { userId: managerZ.id, action: 'login', entityType: 'user', entityId: managerZ.id })
  const [created] = await db.select().from(auditLog).where(eq(auditLog.action, 'user.create'))
  createdUserId = created!.entityId!
})

describe('the audit log', () => {
  it('shows the creation of a user with who, when and what', async () => {
    const { entries } = await view(browsers.admin)
    const entry = entries.find((e) => e.action === 'user.create')!
    expect(entry).toMatchObject({
      who: { id: admin.id, name: admin.name },
      entityType: 'user',
      entityId: createdUserId,
      entityName: '赵敏',
      created: true,
      timeZone: 'Asia/Shanghai',
    })
    expect(Date.now() - new Date(entry.at).getTime()).toBeLessThan(60_000)
    expect(entry.changes).toEqual(
      expect.arrayContaining([
        { key: 'name', before: null, after: '赵敏' },
        { key: 'role', before: null, after: 'sales' },
        { key: 'storeIds', before: null, after: [storeA.id] },
      ])
    )
    expect(JSON.stringify(entry)).not.toContain('a-good-long-password')
  })

  it('shows only the changed keys of an update', async () => {
    const { entries } = await view(browsers.managerA)
    const entry = entries.find((e) => e.entityId === 'c-a')!
    expect(entry).toMatchObject({
      store: '西湖店',
      created: false,
      changes: [{ key: 'theme', before: 'old', after: 'new' }],
    })
  })

  it('is scoped to the viewer’s stores and colleagues, never another store or group', async () => {
    const ids = async (who: keyof typeof browsers) => (await view(browsers[who])).entries.map((e) => e.entityId)

    const managerA = await ids('managerA')
    expect(managerA).toEqual(expect.arrayContaining([createdUserId, 'c-a']))
    expect(managerA).not.toContain('c-b')
    expect(managerA).not.toContain('c-z')

    const managerB = await ids('managerB')
    expect(managerB).toContain('c-b')
    expect(managerB).not.toContain('c-a')
    // the admin shares no store with the manager of store B
    expect(managerB).not.toContain(createdUserId)
    expect(managerB).not.toContain('c-z')

    const executive = await ids('executive')
    expect(executive).toEqual(expect.arrayContaining([createdUserId, 'c-a', 'c-b']))
    expect(executive).not.toContain('c-z')

    // the other group's manager sees their own store and their own sign-in, nothing of ours
    const otherGroup = await view(browsers.managerZ)
    expect(otherGroup.entries.map((e) => e.entityId).sort()).toEqual(['c-z', managerZ.id].sort())
    expect(otherGroup.facets.actions).not.toContain('user.create')
  })

  it('shows what is about a user only to the viewers of that user’s stores, not to every colleague of the admin who wrote it', async () => {
    // the group's admin belongs to both stores and creates a user of store B only, who then signs in
    const groupAdmin = await signIn((await createUser(admin.groupId, 'admin', [storeA.id, storeB.id])).id)
    const res = await settle(() =>
      createUserRoute.action({
        request: post(
          '/admin/users/new',
          { name: '宁波新专员', email: 'nb.new@example.test', role: 'specialist', 'storeIds[]': [storeB.id], active: 'on', password: 'another-long-password' },
          groupAdmin,
        ),
        params: {},
        context: {},
      }),
    )
    expect(res.status).toBe(302)
    const db = await getDb()
    const [created] = await db.select().from(auditLog).where(eq(auditLog.action, 'user.create')).orderBy(desc(auditLog.id)).limit(1)
    const nbUser = created!.entityId!
    await recordAudit(db, { userId: nbUser, action: 'login', entityType: 'user', entityId: nbUser, ip: '198.51.100.77' })
    const about = async (who: keyof typeof browsers) => (await view(browsers[who])).entries.filter((e) => e.entityId === nbUser)

    // the manager of store A shares a store with the admin, not with the new user: nothing of them
    const seenByA = await view(browsers.managerA)
    expect(seenByA.entries.filter((e) => e.entityId === nbUser)).toEqual([])
    expect(JSON.stringify(seenByA)).not.toMatch(/宁波新专员|nb\.new@example\.test|198\.51\.100\.77/)
    // store B's manager and the executive read both entries; the admin who created the user reads the creation
    expect((await about('managerB')).map((e) => e.action).sort()).toEqual(['login', 'user.create'])
    expect((await about('executive')).map((e) => e.action).sort()).toEqual(['login', 'user.create'])
    expect((await view(groupAdmin)).entries.some((e) => e.entityId === nbUser && e.action === 'user.create')).toBe(true)
    // a user of store A who is not the admin: still seen by store A
    expect((await view(browsers.managerA)).entries.some((e) => e.entityId === createdUserId)).toBe(true)
  })

  it('filters by record type and action', async () => {
    const users = await view(browsers.executive, '?entity=user')
    expect(users.entries.length).toBeGreaterThan(0)
    expect(users.entries.every((e) => e.entityType === 'user')).toBe(true)
    const updates = await view(browsers.executive, '?action=campaign.update')
    expect(updates.entries.map((e) => e.entityId).sort()).toEqual(['c-a', 'c-b'])
    expect(updates.facets.entityTypes).toEqual(['campaign', 'user'])
    const none = await view(browsers.executive, '?entity=nothing')
    expect(none).toMatchObject({ entries: [], total: 0, page: 1, pages: 1 })
  })

  it('lists newest first, 50 a page', async () => {
    const db = await getDb()
    const base = Date.now() - 3_600_000
    await db.insert(auditLog).values(
      Array.from({ length: 60 }, (_, i) => ({
        at: new Date(base + i * 1000),
        userId: specialistA.id,
        storeId: storeB.id,
        action: 'lead.create',
        entityType: 'lead',
        entityId: `lead-${i}`,
      }))
    )
    const first = await view(browsers.managerB, '?action=lead.create')
    expect(first).toMatchObject({ total: 60, page: 1, pages: 2 })
    expect(first.entries).toHaveLength(50)
    expect(first.entries[0]!.entityId).toBe('lead-59')
    const times = first.entries.map((e) => e.at)
    expect(times).toEqual([...times].sort().reverse())

    const second = await view(browsers.managerB, '?action=lead.create&page=2')
    expect(second.entries.map((e) => e.entityId)).toEqual(Array.from({ length: 10 }, (_, i) => `lead-${9 - i}`))
    // past the end lands on the last page; nonsense is refused with 400 naming the field
    expect((await view(browsers.managerB, '?action=lead.create&page=99')).page).toBe(2)
    const nonsense = await settle(() => audit.loader({ request: get('/admin/audit?page=abc', browsers.managerB), params: {}, context: {} }))
    expect(nonsense.status).toBe(400)
    expect(nonsense.data).toContain('page')
  })

  it('is refused to specialists and sales (403)', async () => {
    const group = await createGroup()
    const store = await createStore(group.id)
    for (const role of ['specialist', 'sales'] satisfies Role[]) {
      const user = await createUser(group.id, role, [store.id])
      const browser = await signIn(user.id)
      const res = await settle(() => audit.loader({ request: get('/admin/audit', browser), params: {}, context: {} }))
      expect(res.status, role).toBe(403)
    }
  })
})
