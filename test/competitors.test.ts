import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { getDb } from '../db/client'
import { auditLog, competitorObservations, segmentModels } from '../db/schema'
import * as detail from '../app/routes/competitors.$observationId'
import * as photo from '../app/routes/competitors.$observationId_.photo'
import * as list from '../app/routes/competitors._index'
import * as create from '../app/routes/competitors.new'
import * as segments from '../app/routes/competitors.segments'
import { forgetEnv } from '../app/utils/env.server'
import { BASE, createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

// SPEC §5, issue "Competitor intelligence" must 1 and 3: observations recorded, listed,
// filtered and edited within the user's stores, with a photo; the group's model segments.

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-competitors-'))
const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })
async function outcome(fn: () => Promise<unknown>) {
  const r = await settle(fn)
  return { status: r.status, body: r.data, location: r.headers.get('location'), headers: r.headers }
}

// a real 1×1 PNG, as a phone would send a picture
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64')

/** The form as the browser sends it with a file: multipart, the CSRF field first. */
function postWithPhoto(pathname: string, fields: Record<string, string>, file: { bytes: Uint8Array; name: string; type: string } | null, browser: Browser) {
  const form = new FormData()
  form.append('csrf', browser.csrf)
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  if (file) form.append('photo', new File([new Uint8Array(file.bytes)], file.name, { type: file.type }))
  return new Request(BASE + pathname, { method: 'POST', body: form, headers: { cookie: browser.cookie } })
}

let storeA: string
let storeB: string
let specialist: Browser
let sales: Browser
let specialistB: Browser
let manager: Browser
let executive: Browser

const seen = (over: Record<string, string> = {}) => ({
  storeId: storeA,
  brand: '日产',
  model: '轩逸',
  trim: '1.6L CVT 舒享版',
  listPriceFen: '109,800',
  transactionPriceFen: '',
  discountFen: '12000',
  promotion: '置换补贴 8000 元',
  promotionStart: '2026-11-01',
  promotionEnd: '2026-11-30',
  seenAt: 'store',
  place: '杭州东风日产西湖店',
  seenOn: '2026-11-20',
  note: '',
  ...over,
})

async function record(browser: Browser, fields: Record<string, string>, file: { bytes: Uint8Array; name: string; type: string } | null = null) {
  return outcome(() => create.action(args(postWithPhoto('/competitors/new', fields, file, browser))))
}

beforeAll(async () => {
  vi.stubEnv('DATA_DIR', dataDir)
  forgetEnv()
  const group = await createGroup()
  storeA = (await createStore(group.id, '杭州西湖大众4S店')).id
  storeB = (await createStore(group.id, '宁波鄞州大众4S店')).id
  specialist = await signIn((await createUser(group.id, 'specialist', [storeA])).id)
  sales = await signIn((await createUser(group.id, 'sales', [storeA])).id)
  specialistB = await signIn((await createUser(group.id, 'specialist', [storeB])).id)
  manager = await signIn((await createUser(group.id, 'manager', [storeA, storeB])).id)
  executive = await signIn((await createUser(group.id, 'executive', [])).id)
})

describe('recording what a competitor offers', () => {
  it('keeps the observation in fen, works out the transaction price from list price and discount, and audits it', async () => {
    const res = await record(specialist, seen())
    expect(res.status, JSON.stringify(res.body)).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(competitorObservations).where(eq(competitorObservations.model, '轩逸'))
    expect(row).toMatchObject({ storeId: storeA, brand: '日产', listPriceFen: 10_980_000, discountFen: 1_200_000, transactionPriceFen: 9_780_000, seenAt: 'store', seenOn: '2026-11-20', promotionEnd: '2026-11-30' })
    const [audit] = await db.select().from(auditLog).where(eq(auditLog.entityId, row!.id))
    expect(audit?.action).toBe('competitor.observe')
  })

  it('refuses each kind of bad input with a message on its field, storing nothing', async () => {
    const db = await getDb()
    const before = (await db.select().from(competitorObservations)).length
    const cases: Array<[Record<string, string>, Record<string, string>]> = [
      [{ brand: '' }, { brand: 'validation.required' }],
      [{ model: '   ' }, { model: 'validation.required' }],
      [{ listPriceFen: '', transactionPriceFen: '', discountFen: '', promotion: '' }, { transactionPriceFen: 'competitors.validation.nothingSeen' }],
      [{ listPriceFen: '100000', transactionPriceFen: '90000', discountFen: '5000' }, { discountFen: 'competitors.validation.discountMismatch' }],
      [{ listPriceFen: '100000', discountFen: '200000' }, { discountFen: 'competitors.validation.discountTooLarge' }],
      [{ transactionPriceFen: '九万八' }, { transactionPriceFen: 'validation.money' }],
      [{ promotionStart: '2026-11-30', promotionEnd: '2026-11-01' }, { promotionEnd: 'validation.endBeforeStart' }],
      [{ seenOn: '2026-02-30' }, { seenOn: 'validation.date' }],
      [{ seenAt: 'rumour' }, { seenAt: 'validation.choice' }],
      [{ model: 'x'.repeat(61) }, { model: 'validation.tooLong?max=60' }],
      [{ seenOn: '2099-01-01' }, { seenOn: 'competitors.validation.seenInFuture' }],
    ]
    for (const [over, errors] of cases) {
      const res = await record(specialist, seen(over))
      expect(res.status, JSON.stringify(over)).toBe(400)
      expect(res.body.errors, JSON.stringify(over)).toMatchObject(errors)
      // what was typed comes back
      expect(res.body.values.place).toBe('杭州东风日产西湖店')
    }
    expect((await db.select().from(competitorObservations)).length).toBe(before)
  })

  it('keeps a photo only when its bytes are a picture, and shows it only within the store', async () => {
    const fake = await record(sales, seen({ model: '天籁' }), { bytes: Buffer.from('<svg onload="alert(1)"></svg>'), name: 'board.png', type: 'image/png' })
    expect(fake.status).toBe(400)
    expect(fake.body.errors).toEqual({ photo: 'competitors.validation.photo' })
    const res = await record(sales, seen({ model: '天籁' }), { bytes: PNG, name: 'board.png', type: 'image/png' })
    expect(res.status).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(competitorObservations).where(eq(competitorObservations.model, '天籁'))
    expect(row!.photoType).toBe('image/png')
    expect(fs.readFileSync(path.join(dataDir, 'photos', row!.photoSha256!))).toEqual(PNG)
    const served = (await photo.loader(args(get(`/competitors/${row!.id}/photo`, specialist), { observationId: row!.id }))) as Response
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/png')
    expect(served.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG)
    // another store's specialist is told there is no such thing
    const other = await settle(() => photo.loader(args(get(`/competitors/${row!.id}/photo`, specialistB), { observationId: row!.id })))
    expect(other.status).toBe(404)
  })

  it('refuses a photo over 8 MB and gives back what was typed', async () => {
    const big = new Uint8Array(8 * 1024 * 1024 + 1)
    big.set(PNG)
    const res = await record(specialist, seen({ model: '逍客' }), { bytes: big, name: 'huge.png', type: 'image/png' })
    expect(res.status).toBe(413)
    expect(res.body.errors).toEqual({ photo: 'competitors.validation.photoTooLarge' })
    expect(res.body.values.model).toBe('逍客')
  })

  it('does not let a specialist record for a store they do not belong to, nor the executive record at all', async () => {
    expect((await record(specialistB, seen())).status).toBe(403)
    expect((await record(executive, seen())).status).toBe(403)
  })
})

describe('the list and the edit', () => {
  it('lists the store’s observations newest first, filtered by brand, place of sighting, period and words', async () => {
    await record(specialist, seen({ brand: '丰田', model: '卡罗拉', trim: '', listPriceFen: '', discountFen: '', transactionPriceFen: '99800', promotion: '', seenAt: 'auto_show', place: '杭州车展', seenOn: '2026-10-05' }))
    await record(specialistB, seen({ storeId: storeB, brand: '本田', model: '思域', seenOn: '2026-11-22' }))
    const page = async (q: string, who = specialist) => (await outcome(() => list.loader(args(get(`/competitors${q}`, who))))).body
    const all = await page('')
    const models = all.rows.map((r: { model: string }) => r.model)
    // store B's 思域 is not store A's
    expect(models).not.toContain('思域')
    expect(models.indexOf('卡罗拉')).toBeGreaterThan(models.indexOf('轩逸'))
    expect((await page('?brand=丰田')).rows.map((r: { model: string }) => r.model)).toEqual(['卡罗拉'])
    expect((await page('?seenAt=auto_show')).rows.map((r: { model: string }) => r.model)).toEqual(['卡罗拉'])
    expect((await page('?from=2026-10-01&to=2026-10-31')).rows.map((r: { model: string }) => r.model)).toEqual(['卡罗拉'])
    expect((await page(`?q=${encodeURIComponent('车展')}`)).rows.map((r: { model: string }) => r.model)).toEqual(['卡罗拉'])
    // the manager of both stores sees both, and can narrow to one
    expect((await page('', manager)).rows.map((r: { model: string }) => r.model)).toContain('思域')
    expect((await page(`?store=${storeB}`, manager)).rows.map((r: { model: string }) => r.model)).toEqual(['思域'])
    const bad = await outcome(() => list.loader(args(get('/competitors?seenAt=rumour', specialist))))
    expect(bad.status).toBe(400)
    // sorted by transaction price, cheapest first, an observation without a price last
    const byPrice = (await page('?sort=price&dir=asc')).rows.map((r: { transactionPriceFen: number | null }) => r.transactionPriceFen)
    const priced = byPrice.filter((p: number | null) => p !== null)
    expect(priced).toEqual([...priced].sort((a: number, b: number) => a - b))
    expect(byPrice.indexOf(null) === -1 || byPrice.slice(byPrice.indexOf(null)).every((p: number | null) => p === null)).toBe(true)
    expect((await page('?sort=car&dir=asc')).rows[0]).toMatchObject({ brand: '丰田', model: '卡罗拉' })
    expect((await outcome(() => list.loader(args(get('/competitors?sort=rumour', specialist))))).status).toBe(400)
  })

  it('edits an observation, refusing a save made on an older version and keeping what was typed', async () => {
    const db = await getDb()
    const [row] = await db.select().from(competitorObservations).where(eq(competitorObservations.model, '卡罗拉'))
    const save = (fields: Record<string, string>, who = specialist) =>
      outcome(() => detail.action(args(post(`/competitors/${row!.id}`, fields, who), { observationId: row!.id })))
    const fields = seen({ brand: '丰田', model: '卡罗拉', trim: '', listPriceFen: '', discountFen: '', transactionPriceFen: '97800', promotion: '', seenAt: 'auto_show', place: '杭州车展', seenOn: '2026-10-05' })
    expect((await save({ ...fields, version: '1' })).status).toBe(302)
    const stale = await save({ ...fields, transactionPriceFen: '95000', version: '1' }, sales)
    expect(stale.status).toBe(409)
    expect(stale.body.values.transactionPriceFen).toBe('95000')
    const [after] = await db.select().from(competitorObservations).where(eq(competitorObservations.id, row!.id))
    expect(after).toMatchObject({ transactionPriceFen: 9_780_000, version: 2 })
    // another store's specialist can neither read nor write it
    expect((await outcome(() => detail.loader(args(get(`/competitors/${row!.id}`, specialistB), { observationId: row!.id })))).status).toBe(404)
    expect((await save({ ...fields, version: '2' }, specialistB)).status).toBe(404)
  })
})

describe('deleting an observation recorded by mistake', () => {
  it('is for the store’s recorders, and the audit log keeps what it was', async () => {
    expect((await record(specialist, seen({ model: '骐达' }))).status).toBe(302)
    const db = await getDb()
    const [row] = await db.select().from(competitorObservations).where(eq(competitorObservations.model, '骐达'))
    const remove = (who: Browser) => settle(() => detail.action(args(post(`/competitors/${row!.id}`, { intent: 'delete' }, who), { observationId: row!.id })))
    expect((await remove(specialistB)).status).toBe(404)
    expect((await remove(executive)).status).toBe(403)
    expect((await db.select().from(competitorObservations).where(eq(competitorObservations.id, row!.id))).length).toBe(1)
    const done = await remove(sales)
    expect(done.status).toBe(302)
    expect(done.headers.get('location')).toBe('/competitors?notice=deleted')
    expect((await db.select().from(competitorObservations).where(eq(competitorObservations.id, row!.id))).length).toBe(0)
    const [audit] = await db.select().from(auditLog).where(eq(auditLog.action, 'competitor.delete'))
    expect(audit).toMatchObject({ entityId: row!.id, before: expect.objectContaining({ model: '骐达', brand: '日产' }) })
  })
})

describe('model segments', () => {
  const postSegment = (fields: Record<string, string>, who: Browser) => outcome(() => segments.action(args(post('/competitors/segments', fields, who))))

  it('a manager groups our models against the competitors’; the lines are read as brand and model', async () => {
    const res = await postSegment({ intent: 'save', name: '紧凑型轿车', ours: '大众 朗逸\n大众 速腾', theirs: '日产 轩逸、丰田 卡罗拉\n本田  思域' }, manager)
    expect(res.status).toBe(302)
    const page = (await outcome(() => segments.loader(args(get('/competitors/segments', specialist))))).body
    const segment = page.segments.find((s: { name: string }) => s.name === '紧凑型轿车')
    expect(segment.ours).toEqual([{ brand: '大众', model: '朗逸' }, { brand: '大众', model: '速腾' }])
    expect(segment.theirs).toEqual([{ brand: '日产', model: '轩逸' }, { brand: '丰田', model: '卡罗拉' }, { brand: '本田', model: '思域' }])
    // editing replaces the models
    const edited = await postSegment({ intent: 'save', id: segment.id, name: '紧凑型轿车', ours: '大众 朗逸', theirs: '日产 轩逸' }, manager)
    expect(edited.status).toBe(302)
    const db = await getDb()
    expect((await db.select().from(segmentModels).where(eq(segmentModels.segmentId, segment.id))).map((m) => m.model)).toEqual(['朗逸', '轩逸'])
    // the segment's competitors become the form's suggestions
    const form = (await outcome(() => create.loader(args(get('/competitors/new', sales))))).body
    expect(form.suggestions.brands).toContain('日产')
  })

  it('refuses a line without a brand, a model on both sides, a second segment of the same name, and anyone but a manager', async () => {
    const noSpace = await postSegment({ intent: 'save', name: '中型SUV', ours: '途观L', theirs: '本田 CR-V' }, manager)
    expect(noSpace.status).toBe(400)
    expect(noSpace.body.errors.ours).toBe('competitors.validation.brandAndModel?line=途观L')
    const both = await postSegment({ intent: 'save', name: '中型SUV', ours: '大众 途观L', theirs: '大众 途观L' }, manager)
    expect(both.body.errors.theirs).toBe('competitors.validation.bothSides?model=大众 途观L')
    const taken = await postSegment({ intent: 'save', name: '紧凑型轿车', ours: '大众 速腾', theirs: '丰田 雷凌' }, manager)
    expect(taken.status).toBe(409)
    expect(taken.body.errors.name).toBe('competitors.validation.nameTaken')
    expect((await postSegment({ intent: 'save', name: '中型SUV', ours: '大众 途观L', theirs: '本田 CR-V' }, specialist)).status).toBe(403)
  })
})
