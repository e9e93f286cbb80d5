import type { DbOrTx } from './client'
import { leadEvents, leads, linkClicks, showroomVisits, sites, touchpoints, trackingLinks, visitors, webEvents } from './schema'
import type { Channel, LeadStatus, Medium, TouchpointKind } from './schema/enums'
import { demoSalesExports, prng, type SeedBuyer } from './seed-sales'

/**
 * The demo's visitors and leads (SPEC §3): for each campaign that has run, the web visits,
 * platform leads, calls and walk-ins it brought, leads in every lifecycle state (some lost
 * to a competitor) and their showroom visits; plus the stores' organic traffic.
 * Deterministic: the same day seeds the same data.
 */
export type SeedCampaign = {
  id: string
  name: string
  storeId: string
  status: string
  warmupStart: string | null
  startDate: string
  endDate: string
  placements: Array<{ id: string; medium: Medium; platform: string }>
}

export type CaptureSeedOptions = {
  stores: Array<{ id: string; name: string; host: string; consultantIds: string[] }>
  campaigns: SeedCampaign[]
  hashPhone: (phone: string) => string
  /** the app's UTM convention for a placement's tracking link (app/utils/utm.ts) */
  deriveUtm: (
    campaign: { id: string; name: string },
    placement: { id: string; medium: Medium; platform: string },
  ) => { utmSource: string; utmMedium: string; utmCampaign: string; utmContent: string }
  now: Date
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
const MODELS = ['途观L', '迈腾', '探岳', 'ID.4 CROZZ', '速腾', '帕萨特']
const COMPETITORS: Array<[string, string]> = [
  ['丰田', '凯美瑞'],
  ['本田', 'CR-V'],
  ['别克', '君越'],
  ['日产', '奇骏'],
  ['比亚迪', '宋PLUS'],
]
const FUNNEL: LeadStatus[] = ['new', 'contacted', 'visited', 'test_drive', 'ordered', 'delivered']
const DAY = 86_400_000
const MINUTE = 60_000

/** How a person reached by a medium usually gets in touch. */
function kindFor(channel: Channel, r: () => number): TouchpointKind {
  if (['autohome', 'bitauto', 'dongchedi', 'pcauto'].includes(channel)) return 'platform_lead'
  if (['wechat', 'douyin', 'web', 'search'].includes(channel)) return 'web_form'
  if (channel === 'sms') return 'call'
  return r() < 0.5 ? 'walk_in' : 'call'
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

export async function seedCapture(tx: DbOrTx, o: CaptureSeedOptions) {
  const r = prng(Number(o.now.toISOString().slice(0, 10).replace(/-/g, '')))
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!
  const between = (from: number, to: number) => from + r() * Math.max(0, to - from)
  const now = o.now.getTime()

  const siteRows = await tx
    .insert(sites)
    .values(o.stores.map((s, i) => ({ storeId: s.id, name: '官网', siteKey: `demo-site-${i + 1}`, origins: [`https://${s.host}`] })))
    .returning()
  const siteOf = new Map(siteRows.map((s) => [s.storeId, s]))
  const storeOf = new Map(o.stores.map((s) => [s.id, s]))

  // every placement of a campaign that has run has its tracking link
  const linkRows = o.campaigns
    .filter((c) => ['approved', 'running', 'completed', 'evaluated'].includes(c.status))
    .flatMap((c) =>
      c.placements.map((p) => ({
        storeId: c.storeId,
        campaignId: c.id,
        placementId: p.id,
        code: Array.from({ length: 8 }, () => BASE62[Math.floor(r() * 62)]).join(''),
        destinationUrl: `https://${storeOf.get(c.storeId)!.host}/`,
        ...o.deriveUtm(c, p),
      })),
    )
  const links = linkRows.length ? await tx.insert(trackingLinks).values(linkRows).returning() : []
  const linkOf = new Map(links.map((l) => [l.placementId, l]))
  const clickRows: Array<typeof linkClicks.$inferInsert> = []

  type LeadPlan = {
    storeId: string
    campaignId: string | null
    placementId: string | null
    channel: Channel
    at: number
  }
  const plans: LeadPlan[] = []
  for (const c of o.campaigns) {
    if (!['running', 'completed', 'evaluated'].includes(c.status) || !c.placements.length) continue
    const from = Date.parse(`${c.warmupStart ?? c.startDate}T00:00:00+08:00`)
    const to = Math.min(now - 2 * 3600_000, Date.parse(`${c.endDate}T23:00:00+08:00`))
    if (to <= from) continue
    const count = c.status === 'running' ? 18 : 34
    for (let i = 0; i < count; i++) {
      const placement = pick(c.placements)
      plans.push({ storeId: c.storeId, campaignId: c.id, placementId: placement.id, channel: placement.medium, at: between(from, to) })
    }
  }
  // the stores' own traffic, in no campaign
  for (const s of o.stores) {
    for (let i = 0; i < 24; i++) {
      const channel = pick<Channel>(['direct', 'search', 'word_of_mouth', 'passing_by', 'returning_customer', 'autohome', 'dongchedi'])
      plans.push({ storeId: s.id, campaignId: null, placementId: null, channel, at: between(now - 80 * DAY, now - 3600_000) })
    }
  }

  type TouchRow = typeof touchpoints.$inferInsert
  type LeadRow = typeof leads.$inferInsert
  type EventRow = typeof leadEvents.$inferInsert
  type VisitRow = typeof showroomVisits.$inferInsert
  const leadRows: LeadRow[] = []
  const buyers: SeedBuyer[] = []
  const touchRows: TouchRow[] = []
  const eventRows: EventRow[] = []
  const visitRows: VisitRow[] = []
  /** for each visit, the index in touchRows of the walk-in touchpoint it records */
  const visitTouch: number[] = []
  // a visitor still in the showroom has no leaving time yet
  const leftAt = (arrived: number, minutes: number) => (arrived + minutes * MINUTE < now ? new Date(arrived + minutes * MINUTE) : null)
  const visitorRows: Array<typeof visitors.$inferInsert> = []
  const eventRowsWeb: Array<typeof webEvents.$inferInsert> = []
  const usedPhones = new Set<string>()

  const webVisit = (storeId: string, visitorKey: string, at: number, channel: Channel, campaignId: string | null, placementId: string | null, leadId: string | null) => {
    const site = siteOf.get(storeId)!
    const host = storeOf.get(storeId)!.host
    // a visit from a placement came through its tracking link: a counted click, then the page with its UTM
    const link = placementId ? linkOf.get(placementId) : undefined
    const utm = link ? { utmSource: link.utmSource, utmMedium: link.utmMedium, utmCampaign: link.utmCampaign, utmContent: link.utmContent } : {}
    if (link) clickRows.push({ linkId: link.id, at: new Date(at - 3000), userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) MicroMessenger', ipHash: visitorKey.slice(-16) })
    const id = eventRowsWeb.length + 1
    eventRowsWeb.push({
      siteId: site.id,
      storeId,
      clientEventId: `seed-${id}`,
      visitorKey,
      type: 'pageview',
      url: `https://${host}/models/${pick(['tiguan-l', 'magotan', 'tayron', 'id4'])}`,
      referrer: channel === 'search' ? 'https://www.baidu.com/s?wd=大众4S店' : null,
      ...utm,
      occurredAt: new Date(at),
      receivedAt: new Date(at + 800),
    })
    touchRows.push({ storeId, leadId, siteId: site.id, visitorKey, kind: 'web_visit', channel, ...utm, campaignId, placementId, trackingLinkId: link?.id ?? null, at: new Date(at), detail: { url: `https://${host}/` } })
  }

  for (const plan of plans) {
    const leadId = crypto.randomUUID()
    let phone: string
    do phone = `1${pick(['3', '5', '8', '9'])}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`
    while (usedPhones.has(phone))
    usedPhones.add(phone)
    const kind = kindFor(plan.channel, r)
    const maskedOnly = kind === 'platform_lead' && r() < 0.3
    const name = `${pick([...SURNAMES])}${r() < 0.5 ? '先生' : '女士'}`
    const consultants = storeOf.get(plan.storeId)!.consultantIds
    const consultantId = consultants.length ? pick(consultants) : null

    // how far down the funnel this lead went (campaign leads convert better than none)
    const roll = r()
    let reached = roll < 0.22 ? 0 : roll < 0.42 ? 1 : roll < 0.58 ? 2 : roll < 0.72 ? 3 : roll < 0.84 ? 4 : 5
    const lost = r() < 0.16 && reached < 4
    const ageDays = (now - plan.at) / DAY
    reached = Math.min(reached, Math.floor(ageDays / 2)) // young leads have not got far yet
    const touches: number[] = [plan.at]
    const visitorKey = kind === 'web_form' ? `seed-v-${leadId.slice(0, 12)}` : null
    if (visitorKey) {
      const site = siteOf.get(plan.storeId)!
      visitorRows.push({ storeId: plan.storeId, siteId: site.id, visitorKey, leadId, firstSeenAt: new Date(plan.at - 20 * MINUTE), lastSeenAt: new Date(plan.at) })
      webVisit(plan.storeId, visitorKey, plan.at - 20 * MINUTE, plan.channel, plan.campaignId, plan.placementId, leadId)
    }
    touchRows.push({
      storeId: plan.storeId,
      leadId,
      kind,
      channel: plan.channel,
      campaignId: plan.campaignId,
      placementId: plan.placementId,
      siteId: visitorKey ? siteOf.get(plan.storeId)!.id : null,
      visitorKey,
      at: new Date(plan.at),
      detail: kind === 'platform_lead' ? { platform: plan.channel, model: pick(MODELS) } : kind === 'call' ? { durationSeconds: Math.round(between(40, 400)) } : null,
    })
    eventRows.push({ leadId, type: 'created', toStatus: 'new', at: new Date(plan.at), detail: { kind, channel: plan.channel } })

    let t = plan.at
    let status: LeadStatus = 'new'
    let orderedAt: number | null = null
    let deliveredAt: number | null = null
    for (let step = 1; step <= reached; step++) {
      t = Math.min(now - 30 * MINUTE, t + between(0.3, 3.5) * DAY)
      const to = FUNNEL[step]!
      if (to === 'ordered') orderedAt = t
      if (to === 'delivered') deliveredAt = t
      eventRows.push({ leadId, type: 'status', fromStatus: status, toStatus: to, userId: consultantId, at: new Date(t) })
      if (to === 'visited') {
        const arrived = t
        visitTouch.push(touchRows.length)
        visitRows.push({
          storeId: plan.storeId,
          leadId,
          visitType: 'first',
          arrivedAt: new Date(arrived),
          leftAt: leftAt(arrived, between(35, 130)),
          partySize: 1 + Math.floor(r() * 3),
          consultantId,
          testDrive: reached >= 3,
        })
        touchRows.push({ storeId: plan.storeId, leadId, kind: 'walk_in', channel: plan.channel, campaignId: plan.campaignId, at: new Date(arrived), detail: { visitType: 'first' } })
        touches.push(arrived)
      }
      if (to === 'ordered' && r() < 0.6) {
        const back = t - 2 * 3600_000
        visitTouch.push(touchRows.length)
        visitRows.push({ storeId: plan.storeId, leadId, visitType: 'return', arrivedAt: new Date(back), leftAt: leftAt(back, 90), partySize: 2, consultantId, testDrive: false })
        touchRows.push({ storeId: plan.storeId, leadId, kind: 'walk_in', channel: 'returning_customer', campaignId: plan.campaignId, at: new Date(back), detail: { visitType: 'return' } })
        touches.push(back)
      }
      status = to
    }
    let lostTo: [string, string] | null = null
    if (lost) {
      t = Math.min(now - 20 * MINUTE, t + between(1, 6) * DAY)
      const toCompetitor = r() < 0.6
      lostTo = toCompetitor ? pick(COMPETITORS) : null
      eventRows.push({ leadId, type: 'status', fromStatus: status, toStatus: 'lost', userId: consultantId, at: new Date(t), note: toCompetitor ? `已在${lostTo![0]}店订车` : '' })
      status = 'lost'
    }
    leadRows.push({
      id: leadId,
      storeId: plan.storeId,
      name,
      phone: maskedOnly ? null : phone,
      phoneHash: maskedOnly ? null : o.hashPhone(phone),
      phoneMasked: `${phone.slice(0, 3)}****${phone.slice(-4)}`,
      city: storeOf.get(plan.storeId)!.host.startsWith('www.hz') ? '杭州' : '宁波',
      modelOfInterest: pick(MODELS),
      grade: status === 'lost' ? null : pick(['A', 'B', 'C']),
      status,
      lostReason: lost ? (lostTo ? 'competitor' : pick(['price', 'postponed', 'unreachable'])) : null,
      lostToBrand: lostTo?.[0] ?? null,
      lostToModel: lostTo?.[1] ?? null,
      consultantId,
      firstChannel: visitorKey ? plan.channel : plan.channel,
      firstCampaignId: plan.campaignId,
      firstTouchAt: new Date(visitorKey ? plan.at - 20 * MINUTE : plan.at),
      lastTouchAt: new Date(Math.max(...touches)),
      createdAt: new Date(plan.at),
      updatedAt: new Date(t),
    })
    // who ordered shows up in the store's sales export
    if (orderedAt !== null && status !== 'lost') {
      const store = storeOf.get(plan.storeId)!
      buyers.push({ storeId: store.id, storeName: store.name, name, phone, model: leadRows.at(-1)!.modelOfInterest!, orderedAt, deliveredAt })
    }
  }

  // visitors who came and left no details: most web traffic
  for (const s of o.stores) {
    for (let i = 0; i < 160; i++) {
      const key = `seed-anon-${s.id.slice(0, 6)}-${i}`
      const at = between(now - 60 * DAY, now - 600_000)
      const campaign = r() < 0.5 ? o.campaigns.find((c) => c.storeId === s.id && c.placements.length && ['running', 'completed', 'evaluated'].includes(c.status)) : undefined
      const placement = campaign ? pick(campaign.placements) : undefined
      const channel: Channel = placement?.medium ?? pick<Channel>(['direct', 'search', 'referral'])
      visitorRows.push({ storeId: s.id, siteId: siteOf.get(s.id)!.id, visitorKey: key, firstSeenAt: new Date(at), lastSeenAt: new Date(at) })
      webVisit(s.id, key, at, channel, campaign?.id ?? null, placement?.id ?? null, null)
    }
  }

  const chunks = <T>(rows: T[], size = 500) => Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, (i + 1) * size))
  for (const part of chunks(leadRows)) await tx.insert(leads).values(part)
  for (const part of chunks(visitorRows)) await tx.insert(visitors).values(part)
  for (const part of chunks(eventRowsWeb)) await tx.insert(webEvents).values(part)
  for (const part of chunks(clickRows)) await tx.insert(linkClicks).values(part)
  const touchIds: number[] = []
  for (const part of chunks(touchRows)) {
    const ids = await tx.insert(touchpoints).values(part).returning({ id: touchpoints.id })
    touchIds.push(...ids.map((r) => r.id))
  }
  visitRows.forEach((v, i) => (v.touchpointId = touchIds[visitTouch[i]!]))
  for (const part of chunks(eventRows)) await tx.insert(leadEvents).values(part)
  for (const part of chunks(visitRows)) await tx.insert(showroomVisits).values(part)
  return {
    leads: leadRows.length,
    touchpoints: touchRows.length,
    visits: visitRows.length,
    webEvents: eventRowsWeb.length,
    trackingLinks: links.length,
    clicks: clickRows.length,
    /** the stores' sales exports, to be imported by the app (they hold names and phones: never log them) */
    salesExports: demoSalesExports(buyers, o.stores, o.now, usedPhones),
  }
}
