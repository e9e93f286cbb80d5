import { and, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, sites } from '../db/schema'
import { normalizeOrigin } from '../app/schemas/site'
import * as collect from '../app/routes/api.collect'
import * as edit from '../app/routes/admin.sites.$siteId'
import * as list from '../app/routes/admin.sites._index'
import * as create from '../app/routes/admin.sites.new'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

/** Registering a store's website (SPEC §3): who may, what an origin is, what the page shows. */
const ctx = { context: {} }
let storeA: string
let storeB: string
let manager: Browser
let admin: Browser
let managerB: Browser

const createAs = (fields: Record<string, string>, browser: Browser, options?: { csrf?: boolean }) =>
  settle(() => create.action({ request: post('/admin/sites/new', fields, browser, options), params: {}, ...ctx }))
const editAs = (siteId: string, fields: Record<string, string>, browser: Browser) =>
  settle(() => edit.action({ request: post(`/admin/sites/${siteId}`, fields, browser), params: { siteId }, ...ctx }))
const loadSite = (siteId: string, browser: Browser) =>
  settle(() => edit.loader({ request: get(`/admin/sites/${siteId}`, browser), params: { siteId }, ...ctx }))

async function register(fields: Record<string, string> = {}, browser = manager) {
  const res = await createAs({ storeId: storeA, name: '官网', origins: 'https://www.store-a.test', active: 'on', ...fields }, browser)
  expect(res.status).toBe(302)
  return res.headers.get('location')!.split('/')[3]!.split('?')[0]!
}

beforeAll(async () => {
  const group = await createGroup()
  storeA = (await createStore(group.id)).id
  storeB = (await createStore(group.id)).id
  manager = await signIn((await createUser(group.id, 'manager', [storeA])).id)
  admin = await signIn((await createUser(group.id, 'admin', [storeA, storeB])).id)
  managerB = await signIn((await createUser(group.id, 'manager', [storeB])).id)
})

describe('origins', () => {
  it('are scheme, host and port; a trailing slash is forgiven; paths, wildcards, users and other schemes are not', () => {
    expect(normalizeOrigin('https://WWW.Store.test/')).toBe('https://www.store.test')
    expect(normalizeOrigin(' http://127.0.0.1:8080 ')).toBe('http://127.0.0.1:8080')
    expect(normalizeOrigin('https://www.store.test:443')).toBe('https://www.store.test')
    expect(normalizeOrigin('https://大众4s.cn')).toMatch(/^https:\/\/xn--[a-z0-9-]+\.cn$/)
    for (const bad of ['www.store.test', 'https://www.store.test/path', 'https://*.store.test', 'ftp://store.test', 'https://u:p@store.test', 'https://store.test?x=1', 'https://a b.test', 'https://a;b.test']) {
      expect(normalizeOrigin(bad), bad).toBeNull()
    }
  })
})

describe('registering a website', () => {
  it('a manager registers one for their store: a random site key, normalized origins, an audit entry', async () => {
    const id = await register({ origins: 'https://www.store-a.test/\n\nhttps://m.store-a.test\nhttps://www.store-a.test' })
    const db = await getDb()
    const [site] = await db.select().from(sites).where(eq(sites.id, id))
    expect(site).toMatchObject({ storeId: storeA, name: '官网', active: true, origins: ['https://www.store-a.test', 'https://m.store-a.test'] })
    expect(site!.siteKey).toMatch(/^[A-Za-z0-9_-]{16}$/)
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'site.create'), eq(auditLog.entityId, id)))
    expect(audit).toMatchObject({ storeId: storeA, entityType: 'site' })
    const other = await register()
    const [second] = await db.select().from(sites).where(eq(sites.id, other))
    expect(second!.siteKey).not.toBe(site!.siteKey)
  })

  it('refuses origins with a path and says which line', async () => {
    const res = await createAs({ storeId: storeA, name: '官网', origins: 'https://ok.test\nhttps://www.store-a.test/landing', active: 'on' }, manager)
    expect(res.status).toBe(400)
    expect(res.data.errors.origins).toBe(`sites.badOrigin?origin=${encodeURIComponent('https://www.store-a.test/landing')}`)
    const empty = await createAs({ storeId: storeA, name: '', origins: ' \n ', active: 'on' }, manager)
    expect(empty.data.errors).toMatchObject({ origins: 'sites.originsRequired', name: 'validation.required' })
  })

  it('not for a store one does not belong to; not without the CSRF token', async () => {
    const res = await createAs({ storeId: storeB, name: '官网', origins: 'https://b.test', active: 'on' }, manager)
    expect(res.status).toBe(403)
    const noToken = await createAs({ storeId: storeA, name: '官网', origins: 'https://a.test', active: 'on' }, manager, { csrf: false })
    expect(noToken.status).toBe(403)
  })
})

describe('a website’s page', () => {
  it('shows the snippet tag, the form embed code and what the snippet has brought', async () => {
    const id = await register({ origins: 'https://www.store-a.test' })
    const db = await getDb()
    const [site] = await db.select().from(sites).where(eq(sites.id, id))
    const request = new Request('http://localhost/api/collect', {
      method: 'POST',
      headers: { origin: 'https://www.store-a.test', 'user-agent': 'Mozilla/5.0 Chrome/120.0 Safari/537.36', 'content-type': 'text/plain' },
      body: JSON.stringify({ siteKey: site!.siteKey, visitorId: 'visitor-0001', eventId: 'event-0000001', url: 'https://www.store-a.test/?utm_source=douyin&utm_medium=social' }),
    })
    expect((await collect.action({ request, params: {}, ...ctx })).status).toBe(200)
    const page = await loadSite(id, manager)
    expect(page.status).toBe(200)
    expect(page.data.base).toBe('http://localhost')
    expect(page.data.site.siteKey).toBe(site!.siteKey)
    expect(page.data.activity.totals).toMatchObject({ events: 1, events24h: 1, visitors: 1, leads: 0 })
    expect(page.data.activity.touches[0]).toMatchObject({ kind: 'web_visit', channel: 'douyin', utmSource: 'douyin', leadId: null })
    const listed = await settle(() => list.loader({ request: get('/admin/sites', manager), params: {}, ...ctx }))
    expect(listed.data.sites.find((s: { id: string }) => s.id === id)).toMatchObject({ events24h: 1, visitors: 1 })
  })

  it('is not found for a manager of another store, and absent from their list', async () => {
    const id = await register()
    expect((await loadSite(id, managerB)).status).toBe(404)
    expect((await editAs(id, { name: 'x', origins: 'https://x.test', active: 'on' }, managerB)).status).toBe(404)
    const listed = await settle(() => list.loader({ request: get('/admin/sites', managerB), params: {}, ...ctx }))
    expect(listed.data.sites.map((s: { id: string }) => s.id)).not.toContain(id)
    expect((await loadSite('not-a-uuid', admin)).status).toBe(404)
  })

  it('editing: deactivating a site refuses its page views at once; the change is audited with before and after', async () => {
    const id = await register()
    const db = await getDb()
    const [site] = await db.select().from(sites).where(eq(sites.id, id))
    const beacon = () =>
      collect.action({
        request: new Request('http://localhost/api/collect', {
          method: 'POST',
          headers: { origin: 'https://www.store-a.test', 'user-agent': 'Mozilla/5.0 Chrome/120.0', 'content-type': 'text/plain' },
          body: JSON.stringify({ siteKey: site!.siteKey, visitorId: 'visitor-0002', eventId: `event-${Date.now()}`, url: 'https://www.store-a.test/' }),
        }),
        params: {},
        ...ctx,
      })
    expect((await beacon()).status).toBe(200)
    const res = await editAs(id, { name: '官网 2', origins: 'https://www.store-a.test' }, admin)
    expect(res.status).toBe(302)
    const [after] = await db.select().from(sites).where(eq(sites.id, id))
    expect(after).toMatchObject({ name: '官网 2', active: false, siteKey: site!.siteKey, storeId: storeA })
    expect((await beacon()).status).toBe(403)
    const [audit] = await db.select().from(auditLog).where(and(eq(auditLog.action, 'site.update'), eq(auditLog.entityId, id)))
    expect(audit!.before).toMatchObject({ name: '官网', active: true })
    expect(audit!.after).toMatchObject({ name: '官网 2', active: false })
  })
})
