import { z } from 'zod'
import { SEEN_AT } from '../../db/schema/enums'
import { MAX_PERIOD_DAYS } from '../utils/period'
import { choice, day, optionalDay, optionalMoney, periodChecks, periodQuery, queryChoice, queryId, queryPage, queryText, requiredText, text } from './fields'

/** The vocabulary of the competitor pages (竞品信息, SPEC §5), shared by the forms and the services. */
export { SEEN_AT }

/** The largest photo an observation keeps: a phone's camera picture, not a video. */
export const PHOTO_MAX_BYTES = 8 * 1024 * 1024

/**
 * An observation as the form sends it. At least one thing seen — a price, a discount or a
 * promotion — or there is nothing to record. List price, transaction price and discount hang
 * together: given two, the third is worked out; given all three, they must agree.
 */
export const ObservationSchema = z
  .object({
    storeId: z.uuid('validation.choice'),
    brand: requiredText(40),
    model: requiredText(60),
    trim: text(80),
    listPriceFen: optionalMoney,
    transactionPriceFen: optionalMoney,
    discountFen: optionalMoney,
    promotion: text(500),
    promotionStart: optionalDay,
    promotionEnd: optionalDay,
    seenAt: choice(SEEN_AT),
    place: text(120),
    seenOn: day,
    note: text(1000),
  })
  .superRefine((v, ctx) => {
    if (v.listPriceFen === null && v.transactionPriceFen === null && v.discountFen === null && !v.promotion) {
      ctx.addIssue({ code: 'custom', path: ['transactionPriceFen'], message: 'competitors.validation.nothingSeen' })
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
  })
  .transform((v) => ({
    ...v,
    // the third of list, transaction and discount from the other two
    transactionPriceFen: v.transactionPriceFen ?? (v.listPriceFen !== null && v.discountFen !== null ? v.listPriceFen - v.discountFen : null),
    discountFen: v.discountFen ?? (v.listPriceFen !== null && v.transactionPriceFen !== null ? v.listPriceFen - v.transactionPriceFen : null),
  }))
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
