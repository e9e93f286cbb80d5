import { z } from 'zod'
import { SEEN_AT, type SeenAt } from '../../db/schema/enums'
import { createHeaderMatcher, type HeaderAlias } from './header-match'
import { toHalfWidth } from './half-width'
import type { Cell } from './read-table'

/**
 * The columns of a competitor-observation sheet (竞品信息, SPEC §5) as specialists keep them:
 * headers in Chinese or English, each mapped to a field of an observation; the units of its
 * amounts (元, 万元 or 分); and the words people write for where they saw it, read onto the
 * closed list of SEEN_AT. Pure data: the preview (browser) and the import (server) share it.
 */

export const OBSERVATION_FIELDS = [
  'brand',
  'model',
  'trim',
  'listPrice',
  'transactionPrice',
  'discount',
  'promotion',
  'promotionStart',
  'promotionEnd',
  'seenAt',
  'place',
  'seenOn',
  'seenBy',
  'note',
] as const
export type ObservationField = (typeof OBSERVATION_FIELDS)[number]

/** A row needs these; and at least one of the offer's columns (OFFER_FIELDS), or it has nothing to record. */
export const REQUIRED_OBSERVATION_FIELDS = ['brand', 'model', 'seenOn'] as const satisfies readonly ObservationField[]
export const OFFER_FIELDS = ['listPrice', 'transactionPrice', 'discount', 'promotion'] as const satisfies readonly ObservationField[]

export const OBSERVATION_MONEY_FIELDS = ['listPrice', 'transactionPrice', 'discount'] as const satisfies readonly ObservationField[]
export const isObservationMoneyField = (field: string | null | undefined) => !!field && (OBSERVATION_MONEY_FIELDS as readonly string[]).includes(field)

/** What an amount column counts in: 元, 万元 (12.98 = ¥129,800) or 分 (fen). */
export const MONEY_UNITS = ['yuan', 'wan', 'fen'] as const
export type MoneyUnit = (typeof MONEY_UNITS)[number]

const ALIASES: Record<ObservationField, readonly HeaderAlias[]> = {
  brand: ['品牌', '厂商', '品牌名称', '竞品品牌', '竞争品牌', '汽车品牌', 'brand', 'make', 'manufacturer', 'competitorbrand'],
  model: ['车型', ['车系', 0.9], '车型名称', '车系名称', '竞品车型', '竞争车型', 'model', ['series', 0.9], 'modelname', 'carmodel', 'competitormodel'],
  trim: ['配置', '版本', '款型', '车款', '款式', '配置名称', '车型配置', '车型版本', 'trim', 'version', 'variant', 'grade'],
  listPrice: ['指导价', '厂商指导价', '官方指导价', '厂家指导价', '市场指导价', '指导价格', '官方价', 'listprice', 'msrp', 'guideprice', 'rrp'],
  transactionPrice: [
    '成交价', '实际成交价', '成交价格', '裸车价', '实际售价', '售价', '终端售价', '终端成交价', ['报价', 0.8], ['价格', 0.6],
    'transactionprice', 'dealprice', 'sellingprice', 'actualprice', ['price', 0.6],
  ],
  discount: ['优惠', '优惠金额', '终端优惠', '现金优惠', '优惠幅度', '让利', '折扣', '降价', '优惠额', 'discount', 'discountamount', 'cashdiscount'],
  promotion: ['促销', '促销政策', '活动内容', '促销活动', '促销内容', '优惠政策', '优惠活动', ['活动', 0.8], '政策', 'promotion', 'promotions', 'offer', 'incentive'],
  promotionStart: [
    '活动开始', '促销开始', '开始日期', '活动开始日期', '促销开始日期', '活动开始时间', '开始时间', '起始日期', '活动起始',
    'start', 'startdate', 'promotionstart', 'from',
  ],
  promotionEnd: [
    '活动结束', '促销结束', '结束日期', '活动结束日期', '促销结束日期', '活动结束时间', '结束时间', '截止日期', '活动截止',
    'end', 'enddate', 'promotionend', 'until', 'to',
  ],
  seenAt: ['渠道', '来源', '信息来源', '信息渠道', '获取渠道', '采集渠道', '来源渠道', 'whereseen', 'seenat', 'source', 'channel'],
  place: ['地点', '门店', '展会名称', '采集地点', '店名', '竞品门店', '竞品店', '门店名称', '车展名称', '网站名称', '平台名称', 'place', 'location', 'venue', 'dealer', 'store'],
  seenOn: [
    ['日期', 0.9], '采集日期', '看到日期', '调研日期', '记录日期', '观察日期', '登记日期', '采集时间', '调研时间',
    'seenon', ['date', 0.9], 'surveydate', 'observedon', 'dateseen',
  ],
  seenBy: ['采集人', '调研人', '记录人', '填报人', '登记人', '信息员', 'seenby', 'surveyor', 'recordedby', 'collector', 'observer'],
  note: ['备注', '说明', '备注说明', 'note', 'notes', 'remark', 'remarks', 'comment', 'comments'],
}

/**
 * 落地价 (the on-the-road price: the car plus purchase tax, insurance and plates) is not a
 * transaction price, nor is a price of something else (置换价, 二手车价): never guessed from a
 * part of the header. Columns the user may still map by hand.
 */
const NOT_A_FIELD = /落地|全款|置换|二手车|旧车|贷款|首付|月供|保险|购置税|上牌|ontheroad|otr/

const matcher = createHeaderMatcher(OBSERVATION_FIELDS, ALIASES, {
  notContainable: ['日期', 'date', '活动', '价格', 'price', '政策', 'from', 'to', 'end', 'start', 'store', 'offer', 'source'],
  notAField: NOT_A_FIELD,
})

/** Header texts for finding the header row among the top rows of a sheet. */
export const KNOWN_OBSERVATION_HEADERS: readonly string[] = matcher.known

/** A header in 分 (fen): 指导价(分), 成交价 单位:分. */
const FEN_HEADER = /[(（[【［]\s*(?:单位\s*[:：]?\s*)?分\s*[)）\]】］]|单位\s*[:：]?\s*分|\bfen\b|\bcents?\b/i

/** The unit a money column's header names, else what its values say (list and transaction prices of 12.98 are 万元), else 元. */
export function guessMoneyUnit(header: string, field: ObservationField, values: readonly Cell[] = []): MoneyUnit {
  if (FEN_HEADER.test(toHalfWidth(header))) return 'fen'
  const m = matcher.match(header)
  if (m?.scale === 10_000) return 'wan'
  if (field === 'listPrice' || field === 'transactionPrice') {
    const numbers = values.map(plainAmount).filter((n): n is number => n !== null)
    // no car costs less than ¥1,000: a price column of 12.98 and 15.5 counts in 万元
    if (numbers.length && numbers.every((n) => n > 0 && n < 1000)) return 'wan'
  }
  return 'yuan'
}

/** A cell that is a bare number (no unit of its own), as a number; null otherwise. */
function plainAmount(cell: Cell): number | null {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null
  if (typeof cell !== 'string') return null
  const s = toHalfWidth(cell).trim().replace(/,/g, '')
  return /^\d+(\.\d+)?$/.test(s) ? Number(s) : null
}

export type ObservationColumn = { index: number; field: ObservationField; unit: MoneyUnit }
export type ObservationColumnGuess = ObservationColumn & { header: string; confidence: number }

/** The mapping of a sheet's header: each field from the column that names it with the most confidence; `values` (by column) help tell a price column's unit. */
export function guessObservationMapping(headers: readonly string[], values: readonly (readonly Cell[])[] = []): ObservationColumnGuess[] {
  return matcher.guess(headers).map(({ index, header, field, confidence }) => ({
    index,
    header,
    field,
    confidence,
    unit: isObservationMoneyField(field) ? guessMoneyUnit(header, field, values[index] ?? []) : 'yuan',
  }))
}

export const matchObservationField = (header: string) => matcher.match(header)

/** A mapping as the user confirms it on the preview (and as the job receives it). */
export const ObservationMappingSchema = z
  .array(
    z.object({
      index: z.number().int().min(0).max(999),
      field: z.enum(OBSERVATION_FIELDS),
      unit: z.enum(MONEY_UNITS).default('yuan'),
    }),
  )
  .max(OBSERVATION_FIELDS.length)

export type ObservationMappingProblem = {
  key: 'competitors.import.error.missingField' | 'competitors.import.error.duplicateField' | 'competitors.import.error.duplicateColumn' | 'competitors.import.error.noOffer'
  params: Record<string, string>
}

/** What a mapping lacks before rows can be read: brand, model and the day seen; something offered; one column per field. */
export function checkObservationMapping(columns: readonly ObservationColumn[]): ObservationMappingProblem[] {
  const problems: ObservationMappingProblem[] = []
  const fields = new Set<ObservationField>()
  const indexes = new Set<number>()
  for (const c of columns) {
    if (fields.has(c.field)) problems.push({ key: 'competitors.import.error.duplicateField', params: { field: c.field } })
    if (indexes.has(c.index)) problems.push({ key: 'competitors.import.error.duplicateColumn', params: { column: String(c.index + 1) } })
    fields.add(c.field)
    indexes.add(c.index)
  }
  for (const field of REQUIRED_OBSERVATION_FIELDS) if (!fields.has(field)) problems.push({ key: 'competitors.import.error.missingField', params: { field } })
  if (!OFFER_FIELDS.some((f) => fields.has(f))) problems.push({ key: 'competitors.import.error.noOffer', params: {} })
  return problems
}

// ---------------------------------------------------------------- where it was seen

/** The words people write for where they saw an offer, in the order they are tried (汽车之家车展 is a show, 4S店官网 a website). */
const SEEN_AT_WORDS: ReadonlyArray<readonly [RegExp, SeenAt]> = [
  [/车展|展会|autoshow|motorshow|carshow|expo/, 'auto_show'],
  [/汽车之家|之家|懂车帝|易车|太平洋汽车|爱卡|车质网|平台|autohome|dongchedi|bitauto|yiche|pcauto|platform/, 'platform'],
  [/官网|网站|website|^web$|^site$|^online$/, 'website'],
  [/店内|展厅|4s|门店|专营店|经销商|店头|到店|showroom|dealer|^store$/, 'store'],
  [/^(其他|其它|别处|other|others|elsewhere)$/, 'other'],
]

/** The SEEN_AT words themselves and the interface's labels (竞品展厅, Car platform) read back too. */
const normalizeSeenAt = (text: string) => toHalfWidth(text).toLowerCase().replace(/[\s_\-·・]+/g, '')

const SEEN_AT_CODES = new Map<string, SeenAt>(SEEN_AT.map((s) => [normalizeSeenAt(s), s]))

export type SeenAtReading = { seenAt: SeenAt; known: boolean }

/**
 * Where a row says it was seen: one of SEEN_AT, from the value's words (店内 / 展厅 / 4S店 →
 * their showroom, 车展 → auto show, 官网 / 网站 → website, 汽车之家 / 懂车帝 / 易车 / 平台 →
 * car platform). An empty value is elsewhere; so is a value none of these words names
 * (`known: false`): the import keeps its text as the place (or in the note), so nothing is lost.
 */
export function readSeenAt(text: string): SeenAtReading {
  const key = normalizeSeenAt(text)
  if (!key) return { seenAt: 'other', known: true }
  const code = SEEN_AT_CODES.get(key)
  if (code) return { seenAt: code, known: true }
  for (const [pattern, seenAt] of SEEN_AT_WORDS) if (pattern.test(key)) return { seenAt, known: true }
  return { seenAt: 'other', known: false }
}
