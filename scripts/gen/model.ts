import { vinCheckDigitHolds } from '../../analytics/ingest/sales-values'
import { maskPhone } from '../../analytics/ingest/phone'
import type { Channel, LeadStatus, Medium, TouchpointKind } from '../../db/schema/enums'
import type { Random } from './random'

/**
 * What the generated dealer group looks like: stores, their campaigns and media, the people
 * who became leads and the journeys that brought them, and the sales — a share of them to
 * those leads, within the matchback window of their first touch. Every record is a pure
 * function of (seed, index): a part can be made again without holding the rest.
 */

const DAY = 86_400_000
/** first touches fall between these moments; sales run until SALES_END */
export const PERIOD_START = Date.parse('2024-11-01T00:00:00+08:00')
export const FIRST_TOUCH_END = Date.parse('2026-06-01T00:00:00+08:00')
export const SALES_END = Date.parse('2026-10-31T20:00:00+08:00')

export type GenOptions = {
  seed: number
  stores: number
  campaigns: number
  leads: number
  touchpoints: number
  sales: number
  /** share of sales whose buyer is one of the leads */
  matchedShare: number
  /** share of sales whose phone the export shows masked (138****1234) */
  maskedShare: number
}

const CITIES = [
  ['杭州', '西湖'], ['宁波', '鄞州'], ['温州', '鹿城'], ['绍兴', '越城'], ['嘉兴', '南湖'], ['湖州', '吴兴'], ['金华', '婺城'],
  ['台州', '椒江'], ['上海', '闵行'], ['上海', '浦东'], ['苏州', '吴中'], ['无锡', '滨湖'], ['南京', '江宁'], ['合肥', '蜀山'],
  ['南昌', '红谷滩'], ['福州', '鼓楼'], ['厦门', '思明'], ['长沙', '岳麓'], ['武汉', '洪山'], ['成都', '武侯'], ['重庆', '渝北'],
  ['西安', '雁塔'], ['郑州', '金水'], ['济南', '历下'], ['青岛', '崂山'],
] as const

type SeriesInfo = { series: string; trims: string[]; listYuan: number }
const BRANDS: Record<string, { wmi: string; series: SeriesInfo[] }> = {
  大众: {
    wmi: 'LFV',
    series: [
      { series: '朗逸', trims: ['1.5L 自动风尚版', '1.5L 自动舒适版', '280TSI 自动星空版'], listYuan: 120_900 },
      { series: '速腾', trims: ['200TSI 自动飞越版', '300TSI 自动超越版'], listYuan: 159_900 },
      { series: '迈腾', trims: ['330TSI 领先型', '380TSI 旗舰型'], listYuan: 209_900 },
      { series: '帕萨特', trims: ['330TSI 精英版', '380TSI 至尊版'], listYuan: 239_900 },
      { series: '途观L', trims: ['330TSI 两驱智享版', '380TSI 四驱旗舰版'], listYuan: 265_800 },
      { series: 'ID.4 CROZZ', trims: ['Pure+', 'Pro', 'Prime'], listYuan: 199_900 },
    ],
  },
  丰田: {
    wmi: 'LVG',
    series: [
      { series: '卡罗拉', trims: ['1.5L 先锋版', '双擎 精英版'], listYuan: 119_800 },
      { series: '凯美瑞', trims: ['2.0E 精英版', '双擎 豪华版'], listYuan: 179_800 },
      { series: 'RAV4荣放', trims: ['2.0L 两驱风尚版', '双擎 四驱旗舰版'], listYuan: 186_800 },
      { series: '汉兰达', trims: ['双擎 四驱尊贵版'], listYuan: 279_800 },
    ],
  },
  本田: {
    wmi: 'LHG',
    series: [
      { series: '思域', trims: ['240TURBO 劲驰版', '240TURBO 极控版'], listYuan: 129_900 },
      { series: '雅阁', trims: ['260TURBO 精英版', '锐·混动 领先版'], listYuan: 179_800 },
      { series: 'CR-V', trims: ['240TURBO 两驱活力版', '锐·混动 四驱尊耀版'], listYuan: 189_900 },
    ],
  },
  别克: {
    wmi: 'LSG',
    series: [
      { series: '英朗', trims: ['1.5L 精英型', '1.3T 豪华型'], listYuan: 109_900 },
      { series: '君越', trims: ['552T 豪华型', '652T 旗舰型'], listYuan: 239_900 },
      { series: 'GL8', trims: ['ES陆尊 653T 舒适型', '艾维亚 旗舰型'], listYuan: 329_900 },
    ],
  },
}
const BRAND_NAMES = Object.keys(BRANDS)

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉萍红娟建国志宏海峰鹏辉晓燕婷雪琳欣怡浩然子轩宇航梓涵佳怡思远文博天佑'
const CONSULTANTS = ['李娜', '陈刚', '王强', '赵敏', '孙丽', '周杰', '吴磊', '郑洁']
const COLORS = ['白色', '黑色', '灰色', '银色', '蓝色', '红色']
const PAYMENTS = ['全款', '贷款', '分期', '融资租赁']
const FORMS = ['auto_show', 'in_store', 'community', 'launch', 'owners_club', 'event_marketing', 'media_event', 'online'] as const
const FORM_LABEL: Record<(typeof FORMS)[number], string> = {
  auto_show: '车展', in_store: '店头活动', community: '小区外展', launch: '新车上市', owners_club: '车友会', event_marketing: '事件营销', media_event: '媒体活动', online: '线上活动',
}
const MEDIA_MIX: readonly (readonly [Medium, number])[] = [
  ['autohome', 18], ['dongchedi', 14], ['bitauto', 8], ['douyin', 16], ['wechat', 14], ['web', 6], ['sms', 6], ['pcauto', 4],
  ['outdoor', 5], ['newspaper', 3], ['radio', 4], ['tv', 2],
]
const ORGANIC: readonly (readonly [Channel, number])[] = [
  ['search', 30], ['direct', 14], ['word_of_mouth', 16], ['passing_by', 14], ['referral', 8], ['returning_customer', 6], ['autohome', 8], ['dongchedi', 4],
]
const PLATFORMS = new Set<Channel>(['autohome', 'bitauto', 'dongchedi'])
const ONLINE = new Set<Channel>(['douyin', 'wechat', 'web', 'sms', 'pcauto', 'search', 'referral', 'direct'])

// ---- the world: stores, sites, campaigns, placements --------------------------------------

export type Store = { index: number; id: string; name: string; brand: string; city: string; siteId: string; siteKey: string }
export type Placement = { id: string; campaignId: string; position: number; medium: Medium; costFen: number; startMs: number; endMs: number }
export type Campaign = {
  id: string
  storeIndex: number
  name: string
  form: (typeof FORMS)[number]
  status: 'completed' | 'evaluated' | 'running' | 'approved'
  startMs: number
  endMs: number
  series: string
  placements: Placement[]
}

export function makeStores(r: Random, o: GenOptions): Store[] {
  return Array.from({ length: o.stores }, (_, s) => {
    const [city, district] = CITIES[s % CITIES.length]!
    const brand = BRAND_NAMES[r.int('store.brand', BRAND_NAMES.length, s)]!
    const n = Math.floor(s / CITIES.length)
    return {
      index: s,
      id: r.uuid('store', s),
      name: `${city}${district}${brand}4S店${n ? ` ${n + 1}` : ''}`,
      brand,
      city,
      siteId: r.uuid('site', s),
      siteKey: `gen${o.seed}s${s}`,
    }
  })
}

export function campaignsPerStore(o: GenOptions) {
  return Math.max(1, Math.ceil(o.campaigns / o.stores))
}

export function makeCampaign(r: Random, o: GenOptions, stores: Store[], c: number): Campaign {
  const perStore = campaignsPerStore(o)
  const storeIndex = Math.floor(c / perStore)
  const j = c % perStore
  const span = SALES_END - 20 * DAY - PERIOD_START
  const startMs = PERIOD_START + Math.floor(((j + r.u('campaign.start', c)) / perStore) * span)
  const days = 3 + r.int('campaign.days', 28, c)
  const endMs = startMs + days * DAY
  const form = r.pick('campaign.form', FORMS, c)
  const brand = BRANDS[stores[storeIndex]!.brand]!
  const series = r.pick('campaign.series', brand.series, c).series
  const d = new Date(startMs + 8 * 3600_000)
  const placements: Placement[] = []
  const count = 2 + r.int('campaign.placements', 3, c)
  for (let k = 0; k < count; k++) {
    placements.push({
      id: r.uuid('placement', c * 8 + k),
      campaignId: r.uuid('campaign', c),
      position: k,
      medium: r.weighted('placement.medium', MEDIA_MIX, c, k),
      costFen: (5_000 + r.int('placement.cost', 60, c, k) * 2_500) * 100,
      startMs: startMs - 7 * DAY,
      endMs,
    })
  }
  return {
    id: r.uuid('campaign', c),
    storeIndex,
    name: `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${FORM_LABEL[form]}·${series}`,
    form,
    status: endMs < SALES_END - 30 * DAY ? (r.u('campaign.evaluated', c) < 0.7 ? 'evaluated' : 'completed') : endMs < SALES_END ? 'running' : 'approved',
    startMs,
    endMs,
    series,
    placements,
  }
}

/** The campaign of a store running around a moment (campaigns tile each store's calendar). */
function campaignAround(o: GenOptions, storeIndex: number, at: number) {
  const perStore = campaignsPerStore(o)
  const span = SALES_END - 20 * DAY - PERIOD_START
  const j = Math.min(perStore - 1, Math.max(0, Math.floor(((at - PERIOD_START) / span) * perStore)))
  return storeIndex * perStore + j
}

// ---- people and their journeys --------------------------------------------------------------

export function personName(r: Random, stream: string, i: number) {
  const surname = SURNAMES[r.int(`${stream}.surname`, SURNAMES.length, i)]!
  const length = r.u(`${stream}.given.len`, i) < 0.7 ? 2 : 1
  let given = ''
  for (let k = 0; k < length; k++) given += GIVEN[r.int(`${stream}.given`, GIVEN.length, i, k)]!
  return surname + given
}

const PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158', '159', '166', '177', '180', '181', '182', '185', '186', '187', '188', '189', '191', '198', '199']

/** A person's mobile number: unique per person number (an affine permutation of 10^8). */
export function personPhone(r: Random, person: number) {
  const body = (person * 48_271 + 12_345_677) % 100_000_000
  return PREFIXES[r.int('phone.prefix', PREFIXES.length, person)]! + String(body).padStart(8, '0')
}

export type Touch = {
  kind: TouchpointKind
  channel: Channel
  at: number
  campaignIndex: number | null
  placement: Placement | null
}

export type Lead = {
  index: number
  id: string
  storeIndex: number
  name: string
  /** the person's number; the lead keeps it only when `phoneKnown` */
  phone: string
  phoneKnown: boolean
  status: LeadStatus
  buyer: boolean
  touches: Touch[]
  series: string
  lostReason: string | null
}

const STATUS_MIX: readonly (readonly [LeadStatus, number])[] = [
  ['new', 30], ['contacted', 30], ['visited', 12], ['test_drive', 8], ['ordered', 2], ['lost', 18],
]

export type Plan = {
  options: GenOptions
  stores: Store[]
  /** campaigns by global index (made on demand and cached: a few thousand) */
  campaign: (c: number) => Campaign
  buyers: number
  /** touchpoints per lead on average, the anonymous ones apart */
  touchesPerLead: number
  anonymousTouches: number
}

export function makePlan(r: Random, o: GenOptions): Plan {
  const stores = makeStores(r, o)
  const cache = new Map<number, Campaign>()
  const buyers = Math.min(o.leads, Math.round(o.sales * o.matchedShare))
  const anonymousTouches = Math.round(o.touchpoints * 0.12)
  return {
    options: o,
    stores,
    campaign(c) {
      let found = cache.get(c)
      if (!found) cache.set(c, (found = makeCampaign(r, o, stores, c)))
      return found
    },
    buyers,
    touchesPerLead: o.leads ? Math.max(1, (o.touchpoints - anonymousTouches) / o.leads) : 0,
    anonymousTouches,
  }
}

/**
 * Lead i is a buyer when the even spread of `buyers` over the leads lands on it: exactly
 * `buyers` of them. The spread runs over the leads in store order (store 0's leads, then store
 * 1's …), not over i itself: leads take turns by store (i mod stores), and an even spread over
 * i falls on the same few stores whenever buyers / leads is a simple fraction (0.3 put every
 * buyer into 6 of 20 stores).
 */
export function isBuyer(plan: Plan, i: number) {
  const { buyers } = plan
  const L = plan.options.leads
  const S = plan.options.stores
  const store = i % S
  const perStore = Math.floor(L / S)
  const p = store * perStore + Math.min(store, L % S) + Math.floor(i / S) // a permutation of 0..L-1
  return Math.floor(((p + 1) * buyers) / L) > Math.floor((p * buyers) / L)
}

function kindFor(r: Random, channel: Channel, i: number, k: number): TouchpointKind {
  const x = r.u('touch.kind', i, k)
  if (PLATFORMS.has(channel)) return x < 0.7 ? 'platform_lead' : 'web_visit'
  if (channel === 'word_of_mouth' || channel === 'passing_by') return 'walk_in'
  if (channel === 'returning_customer') return x < 0.5 ? 'call' : 'walk_in'
  if (ONLINE.has(channel)) return x < 0.45 ? 'web_visit' : x < 0.8 ? 'link_click' : 'web_form'
  // offline media (outdoor, newspaper, radio, tv): a QR scan, a call or a visit
  return x < 0.4 ? 'link_click' : x < 0.75 ? 'call' : 'walk_in'
}

export function makeLead(r: Random, plan: Plan, i: number): Lead {
  const o = plan.options
  const storeIndex = i % o.stores
  const perStore = Math.ceil(o.leads / o.stores)
  const k = Math.floor(i / o.stores)
  const first = PERIOD_START + Math.floor(((k + r.u('lead.first', i)) / perStore) * (FIRST_TOUCH_END - PERIOD_START))
  const campaignIndex = campaignAround(o, storeIndex, first)
  const campaign = plan.campaign(campaignIndex)
  const viaCampaign = r.u('lead.via', i) < 0.62
  const m = plan.touchesPerLead
  const count = Math.min(80, 1 + Math.floor(-Math.log(1 - r.u('lead.touches', i)) * (m - 1)))
  const touches: Touch[] = []
  let at = first
  for (let t = 0; t < count; t++) {
    let channel: Channel
    let placement: Placement | null = null
    let inCampaign: number | null = null
    const x = r.u('touch.channel', i, t)
    if ((t === 0 && viaCampaign) || (t > 0 && x < 0.45 && viaCampaign)) {
      placement = campaign.placements[r.int('touch.placement', campaign.placements.length, i, t)]!
      channel = placement.medium
      inCampaign = campaignIndex
    } else if (t > 0 && x < 0.7) {
      channel = r.pick('touch.later', ['direct', 'search', 'returning_customer'] as const, i, t)
    } else {
      channel = r.weighted('touch.organic', ORGANIC, i, t)
    }
    touches.push({ kind: kindFor(r, channel, i, t), channel, at, campaignIndex: inCampaign, placement })
    at += Math.floor(-Math.log(1 - r.u('touch.gap', i, t)) * 4 * DAY) + 60_000
  }
  const buyer = isBuyer(plan, i)
  const status = buyer ? 'delivered' : r.weighted('lead.status', STATUS_MIX, i)
  const platformFirst = touches[0]!.kind === 'platform_lead'
  const brand = BRANDS[plan.stores[storeIndex]!.brand]!
  return {
    index: i,
    id: r.uuid('lead', i),
    storeIndex,
    name: personName(r, 'lead', i),
    phone: personPhone(r, i),
    // lead platforms often hand over masked numbers only
    phoneKnown: !(platformFirst && r.u('lead.masked', i) < 0.5),
    status,
    buyer,
    touches,
    series: r.u('lead.series', i) < 0.6 ? campaign.series : r.pick('lead.series.any', brand.series, i).series,
    lostReason: status === 'lost' ? r.pick('lead.lost', ['competitor', 'price', 'no_budget', 'postponed', 'unreachable'] as const, i) : null,
  }
}

// ---- sales ---------------------------------------------------------------------------------

export type Sale = {
  /** running number of the sale in the whole export */
  n: number
  storeIndex: number
  /** the lead who bought, or null for a buyer who never was a lead */
  leadIndex: number | null
  vin: string
  orderNo: string
  invoiceMs: number
  orderMs: number
  deliveryMs: number
  brand: string
  series: string
  trim: string
  color: string
  listFen: number
  priceFen: number
  grossFen: number
  accessoriesFen: number
  financeFen: number
  insuranceFen: number
  /** as the export writes them */
  customerName: string
  phoneText: string
  consultant: string
  payment: string
  tradeIn: boolean
  source: string
}

const VIN_CHARS = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ'
const YEAR_CODE: Record<number, string> = { 2024: 'R', 2025: 'S', 2026: 'T' }

function vinFor(r: Random, wmi: string, n: number, year: number) {
  let vds = ''
  for (let k = 0; k < 5; k++) vds += VIN_CHARS[r.int('vin.vds', VIN_CHARS.length, n, k)]!
  const plant = VIN_CHARS[10 + (Math.floor(n / 1_000_000) % 23)]!
  const tail = `${YEAR_CODE[year] ?? 'T'}${plant}${String(n % 1_000_000).padStart(6, '0')}`
  for (const check of '0123456789X') {
    const vin = `${wmi}${vds}${check}${tail}`
    if (vinCheckDigitHolds(vin)) return vin
  }
  return `${wmi}${vds}0${tail}`
}

/** How the export shows the number: mostly clean; masked for a share; now and then as Excel left it. */
function phoneAsExported(r: Random, o: GenOptions, phone: string, n: number) {
  if (r.u('sale.masked', n) < o.maskedShare) return maskPhone(phone)
  const x = r.u('sale.damage', n)
  if (x < 0.02) return `'${phone}`
  if (x < 0.03) return `${phone}.0`
  if (x < 0.035) return phone.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))
  if (x < 0.06) return `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`
  return phone
}

/** How the export names the buyer: as the lead had it, or as the consultant typed it (张先生), or differently. */
function nameAsExported(r: Random, name: string, n: number) {
  const x = r.u('sale.name', n)
  if (x < 0.86) return name
  if (x < 0.96) return `${name[0]}${r.u('sale.title', n) < 0.5 ? '先生' : '女士'}`
  return `${name[0]}${GIVEN[r.int('sale.rename', GIVEN.length, n)]}`
}

export function makeSale(r: Random, plan: Plan, n: number, lead: Lead | null, nonLeadIndex: number): Sale {
  const o = plan.options
  const storeIndex = lead ? lead.storeIndex : nonLeadIndex % o.stores
  const store = plan.stores[storeIndex]!
  const brand = BRANDS[store.brand]!
  const seriesInfo = lead ? (brand.series.find((s) => s.series === lead.series) ?? brand.series[0]!) : r.pick('sale.series', brand.series, n)
  let orderMs: number
  if (lead) {
    const first = lead.touches[0]!.at
    orderMs = Math.min(SALES_END - 3 * DAY, first + (3 + Math.floor(r.u('sale.after', n) * 140)) * DAY)
  } else {
    orderMs = PERIOD_START + 30 * DAY + Math.floor(r.u('sale.when', n) * (SALES_END - 33 * DAY - PERIOD_START - 30 * DAY))
  }
  const invoiceMs = orderMs + Math.floor(r.u('sale.invoice', n) * 10) * DAY + 3600_000 * (1 + r.int('sale.hour', 8, n))
  const deliveryMs = invoiceMs + r.int('sale.delivery', 3, n) * DAY
  const listFen = seriesInfo.listYuan * 100
  const discountFen = Math.round((0.04 + r.u('sale.discount', n) * 0.14) * listFen / 10_000) * 10_000
  const priceFen = listFen - discountFen
  const grossFen = Math.round((-0.01 + r.u('sale.gross', n) * 0.05) * priceFen / 100) * 100
  const person = lead ? lead.index : o.leads + nonLeadIndex
  const name = lead ? lead.name : personName(r, 'buyer', nonLeadIndex)
  const year = new Date(invoiceMs + 8 * 3600_000).getUTCFullYear()
  const source = lead ? lead.touches[0]!.channel : r.pick('sale.source', ['passing_by', 'word_of_mouth', 'returning_customer', 'search'] as const, n)
  return {
    n,
    storeIndex,
    leadIndex: lead ? lead.index : null,
    vin: vinFor(r, brand.wmi, n, year),
    orderNo: `SO${store.index.toString().padStart(2, '0')}${String(n).padStart(8, '0')}`,
    invoiceMs,
    orderMs,
    deliveryMs,
    brand: store.brand,
    series: seriesInfo.series,
    trim: r.pick('sale.trim', seriesInfo.trims, n),
    color: r.pick('sale.color', COLORS, n),
    listFen,
    priceFen,
    grossFen,
    accessoriesFen: r.u('sale.acc', n) < 0.6 ? (1 + r.int('sale.acc.amount', 60, n)) * 10_000 : 0,
    financeFen: r.u('sale.fin', n) < 0.4 ? (5 + r.int('sale.fin.amount', 30, n)) * 10_000 : 0,
    insuranceFen: (8 + r.int('sale.ins', 20, n)) * 10_000,
    customerName: nameAsExported(r, name, n),
    phoneText: phoneAsExported(r, o, personPhone(r, person), n),
    consultant: r.pick('sale.consultant', CONSULTANTS, n),
    payment: r.pick('sale.payment', PAYMENTS, n),
    tradeIn: r.u('sale.tradein', n) < 0.25,
    source,
  }
}
