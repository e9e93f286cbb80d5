import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { translator } from '../app/i18n'
import * as call from '../app/routes/desk.call'
import * as desk from '../app/routes/desk._index'
import * as walkIn from '../app/routes/desk.walk-in'
import * as exportCsv from '../app/routes/leads.export[.]csv'
import * as list from '../app/routes/leads._index'
import * as create from '../app/routes/leads.new'
import { findMergeCandidates } from '../app/services/leads.server'
import { PHONE_LOOKUP_LIMIT, setPhoneLookupLimit } from '../app/services/phone-lookups.server'
import { loadSessionUser } from '../app/utils/auth.server'
import { createGroup, createStore, createUser, get, post, signIn, type Browser } from './factories'
import { settle } from './http'

// SPEC §8: a role without phone access cannot learn whether a phone is a lead — not from
// the walk-in form's number check, not from what recording a visitor answers, not from a
// search — and number look-ups are throttled per user.

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} })

let group: string
let storeA: string
let sales: Browser
let specialist: Browser
let specialistId: string

let seq = 0
const newPhone = () => `137${String(30_000_000 + seq++ * 65_537).slice(-8)}`

/** A browser of a new user of store A: each has a look-up allowance of its own. */
async function newUser(role: 'sales' | 'specialist' | 'manager') {
  const id = (await createUser(group, role, [storeA])).id
  return { id, browser: await signIn(id) }
}

const lookUp = (browser: Browser, phone: string) =>
  settle<any>(() => walkIn.loader(args(get(`/desk/walk-in?store=${storeA}&phone=${encodeURIComponent(phone)}`, browser))))
const check = (browser: Browser, phone: string) =>
  settle<any>(() => walkIn.action(args(post('/desk/walk-in', { storeId: storeA, phone, intent: 'check', channel: '', partySize: '1' }, browser))))
const logWalkIn = (browser: Browser, fields: Record<string, string>) =>
  settle<any>(() => walkIn.action(args(post('/desk/walk-in', { storeId: storeA, channel: 'passing_by', partySize: '1', ...fields }, browser))))
const logCall = (browser: Browser, fields: Record<string, string>) =>
  settle<any>(() => call.action(args(post('/desk/call', { storeId: storeA, channel: 'autohome', ...fields }, browser))))
const loadList = (browser: Browser, query: string) => settle<any>(() => list.loader(args(get(`/leads${query}`, browser))))

/** Everything an answer says except the number the user typed, which it echoes back. */
function withoutEcho(outcome: { status: number; headers: Headers; data: any }) {
  const { values, ...rest } = outcome.data
  const { phone: _phone, ...otherValues } = values ?? {}
  return { status: outcome.status, retryAfter: outcome.headers.get('retry-after'), data: { ...rest, values: otherValues } }
}

let knownPhone: string
let knownLeadId: string

beforeAll(async () => {
  group = (await createGroup()).id
  storeA = (await createStore(group, '杭州店')).id
  sales = await signIn((await createUser(group, 'sales', [storeA])).id)
  specialistId = (await createUser(group, 'specialist', [storeA])).id
  specialist = await signIn(specialistId)
  // a customer who has been in the showroom before
  knownPhone = newPhone()
  const first = await logWalkIn(sales, { name: '钱先生', phone: knownPhone, arrivedAt: '2026-10-02T10:00' })
  expect(first.status).toBe(302)
  knownLeadId = first.headers.get('location')!.match(/lead=([0-9a-f-]{36})/)![1]!
})

afterEach(() => setPhoneLookupLimit(undefined))

describe('the walk-in form’s number check', () => {
  it('tells a specialist the same about a known and an unknown number', async () => {
    const unknownPhone = newPhone()
    const known = await lookUp(specialist, knownPhone)
    const unknown = await lookUp(specialist, unknownPhone)
    expect(known.status).toBe(200)
    expect(withoutEcho(known)).toEqual(withoutEcho(unknown))
    expect(known.data.lookup).toEqual({ kind: 'hidden' })
    expect(known.data.canCheck).toBe(false)
    expect(JSON.stringify(known.data)).not.toContain('钱先生')
    expect(JSON.stringify(known.data)).not.toContain(knownLeadId)

    // the form posted without JavaScript ("check number") answers alike too, and suggests nothing
    const knownCheck = await check(specialist, knownPhone)
    const unknownCheck = await check(specialist, unknownPhone)
    expect(withoutEcho(knownCheck)).toEqual(withoutEcho(unknownCheck))
    expect(knownCheck.data.values.visitType).toBeUndefined()
    expect(JSON.stringify(knownCheck.data)).not.toContain('钱先生')
  })

  it('still tells a role with phone access who the number is and suggests a return visit', async () => {
    for (const role of ['sales', 'manager'] as const) {
      const { browser } = await newUser(role)
      const known = await lookUp(browser, knownPhone)
      expect(known.status).toBe(200)
      expect(known.data.canCheck).toBe(true)
      expect(known.data.lookup).toMatchObject({ kind: 'known', leadId: knownLeadId, name: '钱先生', visits: 1, suggestion: 'return' })
      expect((await lookUp(browser, newPhone())).data.lookup).toEqual({ kind: 'new', suggestion: 'first' })
      const posted = await check(browser, knownPhone)
      expect(posted.data.values.visitType).toBe('return')
    }
  })

  it('is throttled per user with a 429 that says when to try again, in both languages', async () => {
    let now = 1_000_000
    await setPhoneLookupLimit(PHONE_LOOKUP_LIMIT, () => now)
    const a = await newUser('sales')
    const b = await newUser('sales')
    for (let i = 0; i < PHONE_LOOKUP_LIMIT.burst; i++) expect((await lookUp(a.browser, newPhone())).status).toBe(200)
    const refused = await lookUp(a.browser, knownPhone)
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(refused.data.lookup).toEqual({ kind: 'throttled', retryAfter: Number(refused.headers.get('retry-after')) })
    expect(JSON.stringify(refused.data)).not.toContain('钱先生')
    // the form post counts against the same allowance
    expect((await check(a.browser, knownPhone)).status).toBe(429)
    // another user is not slowed down by it
    expect((await lookUp(b.browser, knownPhone)).data.lookup).toMatchObject({ kind: 'known' })
    // the allowance comes back with time
    now += 1500 / PHONE_LOOKUP_LIMIT.rate
    expect((await lookUp(a.browser, knownPhone)).data.lookup).toMatchObject({ kind: 'known' })
    expect((await lookUp(a.browser, knownPhone)).status).toBe(429)
    // roles without phone access are counted the same way
    const s = await newUser('specialist')
    for (let i = 0; i < PHONE_LOOKUP_LIMIT.burst; i++) await lookUp(s.browser, newPhone())
    expect((await lookUp(s.browser, knownPhone)).status).toBe(429)

    const en = translator('en')('desk.phoneThrottled', { seconds: 6 })
    const zh = translator('zh-CN')('desk.phoneThrottled', { seconds: 6 })
    expect(en).toMatch(/too many/i)
    expect(en).toContain('6')
    expect(zh).toContain('6')
    expect(zh).toMatch(/频繁/)
  })
})

describe('recording a visitor with a full number', () => {
  it('answers a specialist the same for a known and an unknown number', async () => {
    const { browser } = await newUser('specialist')
    const known = await logWalkIn(browser, { phone: knownPhone, arrivedAt: '2026-10-03T11:00' })
    const unknown = await logWalkIn(browser, { phone: newPhone(), arrivedAt: '2026-10-03T11:05' })
    expect(known.status).toBe(302)
    expect(known.headers.get('location')).toBe(`/desk?store=${storeA}&notice=walk-in`)
    expect(unknown.headers.get('location')).toBe(known.headers.get('location'))
    const knownCall = await logCall(browser, { phone: knownPhone })
    const unknownCall = await logCall(browser, { phone: newPhone() })
    expect(knownCall.status).toBe(302)
    expect(knownCall.headers.get('location')).toBe(`/desk?store=${storeA}&notice=call`)
    expect(unknownCall.headers.get('location')).toBe(knownCall.headers.get('location'))
    // a role with phone access is still told the visit type and led to the lead
    const again = await logWalkIn(sales, { phone: knownPhone, arrivedAt: '2026-10-03T12:00' })
    expect(again.headers.get('location')).toBe(`/desk?store=${storeA}&notice=walk-in&type=return&lead=${knownLeadId}`)
  })

  it('counts against the specialist’s look-up allowance; a role with phone access records freely', async () => {
    await setPhoneLookupLimit({ rate: 1 / 60, burst: 2 })
    const s = await newUser('specialist')
    expect((await logWalkIn(s.browser, { phone: newPhone() })).status).toBe(302)
    expect((await logCall(s.browser, { phone: newPhone() })).status).toBe(302)
    const refused = await logWalkIn(s.browser, { name: '周女士', phone: newPhone(), note: '看途观L' })
    expect(refused.status).toBe(429)
    expect(refused.data.errors._form).toMatch(/^desk\.phoneThrottled\?seconds=\d+$/)
    expect(refused.data.values).toMatchObject({ name: '周女士', note: '看途观L' })
    expect((await logCall(s.browser, { phone: newPhone() })).status).toBe(429)
    const manual = await settle<any>(() => create.action(args(post('/leads/new', { storeId: storeA, channel: 'autohome', name: '吴', phone: newPhone() }, s.browser))))
    expect(manual.status).toBe(429)
    expect(manual.data.values.name).toBe('吴')
    // a visitor without a number is no look-up
    expect((await logWalkIn(s.browser, { phone: '' })).status).toBe(302)
    const desk = await newUser('sales')
    for (let i = 0; i < 4; i++) expect((await logWalkIn(desk.browser, { phone: newPhone() })).status).toBe(302)
  })
})

describe('searching leads', () => {
  const phone = '13912340107'
  let leadId: string

  beforeAll(async () => {
    // the desk typed the number into the name field too
    const res = await settle(() =>
      create.action(args(post('/leads/new', { storeId: storeA, channel: 'autohome', name: `王先生 ${phone}`, phone }, sales))),
    )
    expect(res.status).toBe(302)
    leadId = res.headers.get('location')!.match(/leads\/([0-9a-f-]{36})/)![1]!
  })

  it('finds nothing for a specialist who types a full or partial number', async () => {
    for (const q of [phone, '139 1234 0107', '+8613912340107', '1391234', '12340107', '912340', '1234', '１３９１２３４０１０７']) {
      const listed = await loadList(specialist, `?q=${encodeURIComponent(q)}`)
      expect(listed.data.rows.map((r: any) => r.id), q).not.toContain(leadId)
    }
    // nor does the export
    const res = await exportCsv.loader(args(get(`/leads/export.csv?q=${phone}`, specialist)))
    const text = await res.text()
    expect(text).not.toContain(leadId)
    // nor the merge search
    const user = (await loadSessionUser(specialistId))!
    const other = await settle(() => create.action(args(post('/leads/new', { storeId: storeA, channel: 'autohome', name: '另一位', phone: newPhone() }, sales))))
    const otherId = other.headers.get('location')!.match(/leads\/([0-9a-f-]{36})/)![1]!
    expect(await findMergeCandidates(user, otherId, phone)).toEqual([])
    expect(await findMergeCandidates(user, otherId, '1391234')).toEqual([])
  })

  it('finds by name and by what the specialist sees, with numbers in names masked', async () => {
    const byName = await loadList(specialist, `?q=${encodeURIComponent('王先生')}`)
    expect(byName.data.rows.map((r: any) => r.id)).toEqual([leadId])
    expect(byName.data.rows[0]).toMatchObject({ name: '王先生 139****0107', phone: '139****0107' })
    expect(JSON.stringify(byName.data)).not.toContain(phone)
    expect((await loadList(specialist, '?q=0107')).data.rows.map((r: any) => r.id)).toContain(leadId)
    expect((await loadList(specialist, `?q=${encodeURIComponent('139****0107')}`)).data.rows.map((r: any) => r.id)).toEqual([leadId])
    // the export masks numbers in names for every role
    const csv = await (await exportCsv.loader(args(get(`/leads/export.csv?q=${encodeURIComponent('王先生')}`, sales)))).text()
    expect(csv).toContain('王先生 139****0107')
    expect(csv).not.toContain(phone)
  })

  it('a role with phone access finds the lead by any part of its number', async () => {
    for (const q of [phone, '1391234', '12340107']) {
      const listed = await loadList(sales, `?q=${q}`)
      expect(listed.data.rows.map((r: any) => r.id), q).toContain(leadId)
    }
    expect((await loadList(sales, `?q=${phone}`)).data.rows[0]).toMatchObject({ name: `王先生 ${phone}`, phone })
  })

  it('the desk’s sheet shows a specialist the names with numbers masked', async () => {
    const walkPhone = newPhone()
    const res = await logWalkIn(sales, { name: `孙 ${walkPhone}`, phone: walkPhone, arrivedAt: '2026-10-05T09:30' })
    expect(res.status).toBe(302)
    await logCall(sales, { name: `孙 ${walkPhone}`, phone: walkPhone, at: '2026-10-05T09:00' })
    const sheet = await settle<any>(() => desk.loader(args(get(`/desk?store=${storeA}&day=2026-10-05`, specialist))))
    expect(sheet.data.sheet.walkIns.map((w: any) => w.name)).toContain(`孙 ${walkPhone.slice(0, 3)}****${walkPhone.slice(-4)}`)
    expect(sheet.data.sheet.calls.map((c: any) => c.name)).toContain(`孙 ${walkPhone.slice(0, 3)}****${walkPhone.slice(-4)}`)
    expect(JSON.stringify(sheet.data)).not.toContain(walkPhone)
  })

  it('sorting by name does not order the hidden digits for a specialist', async () => {
    // created low number first: by the real names the order would be the creation order
    await settle(() => create.action(args(post('/leads/new', { storeId: storeA, channel: 'autohome', name: '排序 13900000107', phone: newPhone() }, sales))))
    await settle(() => create.action(args(post('/leads/new', { storeId: storeA, channel: 'autohome', name: '排序 13999990107', phone: newPhone() }, sales))))
    const names = async (browser: Browser, dir: string) =>
      (await loadList(browser, `?q=${encodeURIComponent('排序')}&sort=name&dir=${dir}`)).data.rows.map((r: any) => r.name)
    expect(await names(sales, 'asc')).toEqual(['排序 13900000107', '排序 13999990107'])
    expect(await names(sales, 'desc')).toEqual(['排序 13999990107', '排序 13900000107'])
    // the specialist sees both as 139****0107, in the same order either way
    expect(await names(specialist, 'asc')).toEqual(await names(specialist, 'desc'))
  })
})
