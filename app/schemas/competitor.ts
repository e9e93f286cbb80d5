import { z } from 'zod'
import { SEEN_AT } from '../../db/schema/enums'
import { MAX_PERIOD_DAYS } from '../utils/period'
import { zonedDay } from '../utils/zoned-time'
import { choice, day, optionalDay, optionalMoney, periodChecks, periodQuery, queryChoice, queryId, queryPage, queryText, requiredText, text } from './fields'

/** The vocabulary of the competitor pages (竞品信息, SPEC §5), shared by the forms and the services. */
export { SEEN_AT }

/** The largest photo an observation keeps: a phone's camera picture, not a video. */
export const PHOTO_MAX_BYTES = 8 * 1024 * 1024

/** The longest texts an observation keeps, whichever way it arrives (the form, an import). */
export const OBSERVATION_TEXT_MAX = { brand: 40, model: 60, trim: 80, promotion: 500, place: 120, seenBy: 60, note: 1000 } as const

/**
 * A car's list or transaction price lies between ¥10,000 and ¥20,000,000: outside it the amount
 * is mistyped or in the wrong unit (12.98 meant 12.98万).
 */
export const OBSERVATION_PRICE_MIN_FEN = 10_000 * 100
export const OBSERVATION_PRICE_MAX_FEN = 20_000_000 * 100

/** What an observation says it saw, in fen and calendar days: what the rules below look at. */
export type ObservationFacts = {
  listPriceFen: number | null
  transactionPriceFen: number | null
  discountFen: number | null
  promotion: string
  promotionStart: string | null
  promotionEnd: string | null
}

/**
 * The rules an observation keeps, from the form or from an import (one function for both): at
 * least one thing seen — a price, a discount or a promotion — or there is nothing to record;
 * prices a car can cost; list price, transaction price and discount hang together (given all
 * three, they must agree; the discount is not larger than the list price); the promotion does
 * not end before it starts. Messages are i18n keys, by field.
 */
export function checkObservationFacts(v: ObservationFacts, ctx: z.RefinementCtx) {
  if (v.listPriceFen === null && v.transactionPriceFen === null && v.discountFen === null && !v.promotion) {
    ctx.addIssue({ code: 'custom', path: ['transactionPriceFen'], message: 'competitors.validation.nothingSeen' })
  }
  for (const field of ['listPriceFen', 'transactionPriceFen'] as const) {
    const fen = v[field]
    if (fen !== null && (fen < OBSERVATION_PRICE_MIN_FEN || fen > OBSERVATION_PRICE_MAX_FEN)) {
      ctx.addIssue({ code: 'custom', path: [field], message: `competitors.validation.priceImplausible?yuan=${fen / 100}` })
    }
  }
  if (v.discountFen !== null && v.discountFen > OBSERVATION_PRICE_MAX_FEN) {
    ctx.addIssue({ code: 'custom', path: ['discountFen'], message: `competitors.validation.priceImplausible?yuan=${v.discountFen / 100}` })
  }
  if (v.listPriceFen !== null && v.transactionPriceFen !== null && v.discountFen !== null && v.listPriceFen - v.transactionPriceFen !== v.discountFen) {
    ctx.addIssue({ code: 'custom', path: ['discountFen'], message: 'competitors.validation.discountMismatch' })
  }
  if (v.listPriceFen !== null && v.discountFen !== null && v.discountFen > v.listPriceFen) {
    ctx.addIssue({ code: 'custom', path: ['discountFen'], message: 'competitors.validation.discountTooLarge' })
  }
  if (v.promotionStart && v.promotionEnd && v.promotionEnd < v.promotionStart) {
    ctx.addIssue({ code: 'custom', path: ['promotionEnd'], message: 'validation.endBeforeStart' })
  }
}

/** The third of list price, transaction price and discount, worked out from the other two. */
export function completePrices<T extends ObservationFacts>(v: T): T {
  return {
    ...v,
    transactionPriceFen: v.transactionPriceFen ?? (v.listPriceFen !== null && v.discountFen !== null ? v.listPriceFen - v.discountFen : null),
    discountFen: v.discountFen ?? (v.listPriceFen !== null && v.transactionPriceFen !== null ? v.listPriceFen - v.transactionPriceFen : null),
  }
}

/** A sighting is not dated after today in its store's calendar (a day typed a year ahead is a typo). */
export const seenInFuture = (seenOn: string, timeZone: string, now = new Date()) => seenOn > zonedDay(now, timeZone)

/** An observation as the form sends it (the rules: checkObservationFacts). */
export const ObservationSchema = z
  .object({
    storeId: z.uuid('validation.choice'),
    brand: requiredText(OBSERVATION_TEXT_MAX.brand),
    model: requiredText(OBSERVATION_TEXT_MAX.model),
    trim: text(OBSERVATION_TEXT_MAX.trim),
    listPriceFen: optionalMoney,
    transactionPriceFen: optionalMoney,
    discountFen: optionalMoney,
    promotion: text(OBSERVATION_TEXT_MAX.promotion),
    promotionStart: optionalDay,
    promotionEnd: optionalDay,
    seenAt: choice(SEEN_AT),
    place: text(OBSERVATION_TEXT_MAX.place),
    seenOn: day,
    note: text(OBSERVATION_TEXT_MAX.note),
  })
  .superRefine(checkObservationFacts)
  .transform(completePrices)
export type ObservationInput = z.output<typeof ObservationSchema>

export const OBSERVATION_SORTS = ['seenOn', 'car', 'price', 'discount'] as const

/** The observation list's query string. */
export const ObservationFiltersSchema = z
  .object({
    store: queryId,
    ...periodQuery,
    brand: queryText(40),
    seenAt: queryChoice(SEEN_AT),
    q: queryText(100),
    sort: queryChoice(OBSERVATION_SORTS).transform((v) => v ?? 'seenOn'),
    dir: queryChoice(['asc', 'desc']).transform((v) => v ?? 'desc'),
    page: queryPage(10_000),
  })
  .superRefine(periodChecks())
export type ObservationFilters = z.output<typeof ObservationFiltersSchema>

/**
 * One model per line as "品牌 车型" (brand, a space, the model: "日产 轩逸", "一汽-大众 ID.4 CROZZ");
 * commas and 、 separate too.
 */
const modelLines = z
  .string()
  .max(4000, 'validation.tooLong?max=4000')
  .optional()
  .transform((v, ctx) => {
    const models: Array<{ brand: string; model: string }> = []
    for (const raw of (v ?? '').split(/[\n,，、;；]/)) {
      const line = raw.trim().replace(/\s+/g, ' ')
      if (!line) continue
      const space = line.indexOf(' ')
      if (space < 1) {
        ctx.addIssue({ code: 'custom', message: `competitors.validation.brandAndModel?line=${line.slice(0, 40)}` })
        return z.NEVER
      }
      const model = { brand: line.slice(0, space).slice(0, 40), model: line.slice(space + 1).slice(0, 60) }
      if (!models.some((m) => m.brand === model.brand && m.model === model.model)) models.push(model)
    }
    if (models.length > 60) {
      ctx.addIssue({ code: 'custom', message: 'competitors.validation.tooManyModels?max=60' })
      return z.NEVER
    }
    return models
  })

/** A model segment as the manager's form sends it: its name, our models and the competitors'. */
export const SegmentSchema = z
  .object({
    name: requiredText(60),
    ours: modelLines,
    theirs: modelLines,
  })
  .superRefine((v, ctx) => {
    // a list that did not parse has its own message already
    if (!Array.isArray(v.ours) || !Array.isArray(v.theirs)) return
    if (!v.ours.length) ctx.addIssue({ code: 'custom', path: ['ours'], message: 'competitors.validation.oursRequired' })
    if (!v.theirs.length) ctx.addIssue({ code: 'custom', path: ['theirs'], message: 'competitors.validation.theirsRequired' })
    const both = v.ours.filter((o) => v.theirs.some((t) => t.brand === o.brand && t.model === o.model))
    if (both.length) ctx.addIssue({ code: 'custom', path: ['theirs'], message: `competitors.validation.bothSides?model=${both[0]!.brand} ${both[0]!.model}` })
  })
export type SegmentInput = z.output<typeof SegmentSchema>

/** The query string of the competitor analyses: store, segment and period (default: the last twelve months). */
export const SegmentAnalysisSchema = z
  .object({ store: queryId, segment: queryId, ...periodQuery })
  .superRefine(periodChecks(MAX_PERIOD_DAYS))
