import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, campaigns, stores, userStores } from '../db/schema'
import * as edit from '../app/routes/admin.stores.$storeId'
import * as list from '../app/routes/admin.stores._index'
import * as create from '../app/routes/admin.stores.new'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

let storeA: string
let storeB: string
let groupAdmin: Browser & { id: string }
let storeAdmin: Browser
let manager: Browser

const ctx = { context: {} }
const storeFields = (overrides: Record<string, string> = {}) => ({
  name: '温州龙湾大众4S店',
  brand: '大众',
  city: '温州',
  timeZone: 'Asia/Shanghai',
  currency: 'cny',
  ...overrides,
})

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id)).id
  storeB = (await createStore(group.id)).id
  const admin = await createUser(group.id, 'admin', [storeA, storeB])
  groupAdmin = { ...(await signIn(admin.id)), id: admin.id }
  storeAdmin = await signIn((await createUser(group.id, 'admin', [storeA])).id)
  manager = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  await createStore((await createGroup()).id, 'another group’s store')
})

describe('stores', () => {
  it('lists the group’s stores, marking the ones the admin manages', async () => {
    const seen = await settle(() => list.loader({ request: get('/admin/stores', storeAdmin), params: {}, ...ctx }))
    expect(seen.status).toBe(200)
    expect(seen.data.stores.map((s: { id: string; managed: boolean }) => [s.id, s.managed]).sort()).toEqual(
      [[storeA, true], [storeB, false]].sort(),
    )
    expect(seen.data.canCreate).toBe(false)
  })

  it('counts each store’s people and campaigns', async () => {
    const db = await getDb()
    await db.insert(campaigns).values([
      { storeId: storeA, name: '国庆车展', form: 'auto_show', status: 'draft', startDate: '2026-10-01', endDate: '2026-10-05' },
      { storeId: storeA, name: '双十一', form: 'online', status: 'running', startDate: '2026-11-01', endDate: '2026-11-11' },
      { storeId: storeB, name: '小区外展', form: 'community', status: 'approved', startDate: '2026-12-01', endDate: '2026-12-02' },
    ])
    const seen = await settle(() => list.loader({ request: get('/admin/stores', groupAdmin), params: {}, ...ctx }))
    const counts = Object.fromEntries(seen.data.stores.map((s: { id: string; people: number; campaigns: number }) => [s.id, [s.people, s.campaigns]]))
    // store A: both admins and the manager; store B: the group admin
    expect(counts[storeA]).toEqual([3, 2])
    expect(counts[storeB]).toEqual([1, 1])
  })

  it('edits a store’s time zone and currency, with an audit entry', async () => {
    const res = await settle(() =>
      edit.action({ request: post(`/admin/stores/${storeA}`, storeFields({ timeZone: 'Asia/Urumqi' }), groupAdmin), params: { storeId: storeA }, ...ctx }),
    )
    expect(res.status).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(stores).where(eq(stores.id, storeA))
    expect(row).toMatchObject({ name: '温州龙湾大众4S店', timeZone: 'Asia/Urumqi', currency: 'CNY' })
    const [entry] = await db.select().from(auditLog).where(eq(auditLog.entityId, storeA))
    expect(entry).toMatchObject({ action: 'store.update', userId: groupAdmin.id })
    expect((entry!.after as { timeZone: string }).timeZone).toBe('Asia/Urumqi')
  })

  it('keeps the showroom address and hotline for the posters, and refuses a hotline no one can dial', async () => {
    const save = (fields: Record<string, string>) =>
      settle(() => edit.action({ request: post(`/admin/stores/${storeA}`, storeFields(fields), groupAdmin), params: { storeId: storeA }, ...ctx }))
    const bad = await save({ address: '温州市龙湾区永强大道 1 号', hotline: 'call us!' })
    expect(bad.status).toBe(400)
    expect(bad.data.errors).toEqual({ hotline: 'stores.badHotline' })
    expect((await save({ address: '温州市龙湾区永强大道 1 号', hotline: '0577-8666 8888' })).status).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(stores).where(eq(stores.id, storeA))
    expect(row).toMatchObject({ address: '温州市龙湾区永强大道 1 号', hotline: '0577-8666 8888' })
    const form = await settle(() => edit.loader({ request: get(`/admin/stores/${storeA}`, groupAdmin), params: { storeId: storeA }, ...ctx }))
    expect(form.data.values).toMatchObject({ address: '温州市龙湾区永强大道 1 号', hotline: '0577-8666 8888' })
  })

  it('refuses an unknown time zone or currency and changes nothing', async () => {
    const db = await getDb()
    const [before] = await db.select().from(stores).where(eq(stores.id, storeA))
    const res = await settle(() =>
      edit.action({
        request: post(`/admin/stores/${storeA}`, storeFields({ timeZone: 'Mars/Olympus', currency: 'XXXX', name: '' }), groupAdmin),
        params: { storeId: storeA },
        ...ctx,
      }),
    )
    expect(res.status).toBe(400)
    expect(res.data.errors).toEqual({ name: 'validation.required', timeZone: 'stores.badTimeZone', currency: 'stores.badCurrency' })
    const [after] = await db.select().from(stores).where(eq(stores.id, storeA))
    expect(after).toEqual(before)
  })

  it('keeps an admin to their own stores', async () => {
    const other = await settle(() => edit.loader({ request: get(`/admin/stores/${storeB}`, storeAdmin), params: { storeId: storeB }, ...ctx }))
    expect(other.status).toBe(404)
    const post404 = await settle(() =>
      edit.action({ request: post(`/admin/stores/${storeB}`, storeFields(), storeAdmin), params: { storeId: storeB }, ...ctx }),
    )
    expect(post404.status).toBe(404)
    const opened = await settle(() => create.action({ request: post('/admin/stores/new', storeFields(), storeAdmin), params: {}, ...ctx }))
    expect(opened.status).toBe(403)
    expect((await settle(() => list.loader({ request: get('/admin/stores', manager), params: {}, ...ctx }))).status).toBe(403)
  })

  it('opens a store for an admin of the whole group, who becomes its admin', async () => {
    const res = await settle(() => create.action({ request: post('/admin/stores/new', storeFields({ name: '台州店' }), groupAdmin), params: {}, ...ctx }))
    expect(res.status).toBe(302)
    const db = await getDb()
    const [store] = await db.select().from(stores).where(eq(stores.name, '台州店'))
    expect(store).toMatchObject({ timeZone: 'Asia/Shanghai', currency: 'CNY' })
    const members = await db.select().from(userStores).where(eq(userStores.storeId, store!.id))
    expect(members.map((m) => m.userId)).toEqual([groupAdmin.id])
  })
})
