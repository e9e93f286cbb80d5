import { z } from 'zod'
import { CHANNELS, LEAD_GRADES, LEAD_STATUSES, LOST_REASONS, VISIT_TYPES } from '../../db/schema/enums'
import { parsePhone } from '../utils/phone'
import { choice, queryChoice, queryDay, queryFlag, queryId, queryNotice, queryPage, queryText, text } from './fields'

// Forms of the leads pages and the front desk (SPEC §3). Messages are i18n keys.

/** An empty select or input means "none". */
const optionalId = z
  .string()
  .optional()
  .transform((v) => (v ? v : null))
  .pipe(z.uuid('validation.choice').nullable())

const optionalChoice = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .optional()
    .transform((v) => (v ? v : null))
    .pipe(z.enum(values, { error: 'validation.choice' }).nullable())

/** A checkbox posts "on" when ticked and nothing when not. */
const checkbox = z.preprocess((v) => v === 'on' || v === 'true', z.boolean())

/** A full China mobile number, normalized to 11 digits. */
const fullPhone = z
  .string({ error: 'validation.required' })
  .trim()
  .min(1, 'validation.required')
  .transform((v, ctx) => {
    const parsed = parsePhone(v)
    if (parsed?.kind !== 'full') {
      ctx.addIssue({ code: 'custom', message: 'leads.validation.phone' })
      return z.NEVER
    }
    return parsed.phone
  })

/** A walk-in may decline to leave a number: empty is allowed, anything else must be a mobile number. */
const optionalFullPhone = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return null
    const parsed = parsePhone(v)
    if (parsed?.kind !== 'full') {
      ctx.addIssue({ code: 'custom', message: 'leads.validation.phone' })
      return z.NEVER
    }
    return parsed.phone
  })

/** Manual entry also takes a platform's masked number (138****1234), a partial key. */
const fullOrMaskedPhone = z
  .string({ error: 'validation.required' })
  .trim()
  .min(1, 'validation.required')
  .transform((v, ctx) => {
    const parsed = parsePhone(v)
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: 'leads.validation.phoneOrMasked' })
      return z.NEVER
    }
    return parsed.kind === 'full' ? parsed.phone : parsed.masked
  })

/** `<input type="datetime-local">` in the store's wall clock; converted with the store's time zone by the service. */
const localDateTime = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : null))
  .refine((v) => v === null || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v), 'leads.validation.dateTime')

const wholeNumber = (min: number, max: number, message: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return null
      const n = /^\d{1,6}$/.test(v) ? Number(v) : NaN
      if (!(n >= min && n <= max)) {
        ctx.addIssue({ code: 'custom', message })
        return z.NEVER
      }
      return n
    })

const person = {
  name: text(60),
  modelOfInterest: text(60),
}

/** Manual entry (录入线索): a lead from anywhere, e.g. a phone number on a business card. */
export const ManualLeadSchema = z.object({
  storeId: z.uuid('validation.choice'),
  ...person,
  phone: fullOrMaskedPhone,
  city: text(60),
  channel: choice(CHANNELS),
  campaignId: optionalId,
  grade: optionalChoice(LEAD_GRADES),
  consultantId: optionalId,
  note: text(2000),
  at: localDateTime,
})
export type ManualLeadInput = z.output<typeof ManualLeadSchema>

/** 来店登记: a showroom visitor. */
export const WalkInSchema = z.object({
  storeId: z.uuid('validation.choice'),
  ...person,
  phone: optionalFullPhone,
  channel: choice(CHANNELS),
  campaignId: optionalId,
  /** empty: decided by the phone (再次到店 when the number already has a visit) */
  visitType: optionalChoice(VISIT_TYPES),
  arrivedAt: localDateTime,
  partySize: wholeNumber(1, 50, 'leads.validation.partySize').transform((v) => v ?? 1),
  consultantId: optionalId,
  testDrive: checkbox,
  note: text(1000),
})
export type WalkInInput = z.output<typeof WalkInSchema>

/** 来电登记: an incoming call. */
export const CallSchema = z.object({
  storeId: z.uuid('validation.choice'),
  ...person,
  phone: fullPhone,
  channel: choice(CHANNELS),
  campaignId: optionalId,
  at: localDateTime,
  durationMinutes: wholeNumber(0, 600, 'leads.validation.duration'),
  note: text(1000),
})
export type CallInput = z.output<typeof CallSchema>

export const LeftAtSchema = z.object({
  visitId: z.uuid('validation.invalid'),
  leftAt: localDateTime.refine((v) => v !== null, 'validation.required'),
})

export const LeadVersionSchema = z.coerce.number({ error: 'validation.invalid' }).int().min(1)

/** The editable facts of a lead; the phone is its identity and is not edited here. */
export const LeadUpdateSchema = z.object({
  version: LeadVersionSchema,
  name: text(60),
  city: text(60),
  modelOfInterest: text(60),
  grade: optionalChoice(LEAD_GRADES),
  consultantId: optionalId,
  note: text(2000),
})
export type LeadUpdateInput = z.output<typeof LeadUpdateSchema>

export const StatusChangeSchema = z
  .object({
    to: choice(LEAD_STATUSES),
    note: text(1000),
    lostReason: optionalChoice(LOST_REASONS),
    lostToBrand: text(60),
    lostToModel: text(60),
  })
  .superRefine((v, ctx) => {
    if (v.to !== 'lost') return
    if (!v.lostReason) ctx.addIssue({ code: 'custom', path: ['lostReason'], message: 'leads.validation.reasonRequired' })
    if (v.lostReason === 'competitor' && !v.lostToBrand) {
      ctx.addIssue({ code: 'custom', path: ['lostToBrand'], message: 'leads.validation.brandRequired' })
    }
  })
export type StatusChangeInput = z.output<typeof StatusChangeSchema>

export const MergeSchema = z.object({ duplicateId: z.uuid('validation.choice') })

export const EraseSchema = z.object({
  confirm: z.literal('yes', { error: 'leads.validation.confirmErase' }),
})

export const LEAD_SORTS = ['name', 'status', 'grade', 'firstTouchAt', 'lastTouchAt', 'store'] as const

/** The list's (and the export's) query string: an empty filter is no filter, a bad one answers 400 naming it. */
export const LeadFiltersSchema = z.object({
  q: queryText(60),
  store: queryId,
  status: queryChoice(LEAD_STATUSES),
  channel: queryChoice(CHANNELS),
  campaign: queryId,
  consultant: queryId,
  grade: queryChoice(LEAD_GRADES),
  from: queryDay,
  to: queryDay,
  sort: queryChoice(LEAD_SORTS).transform((v) => v ?? 'lastTouchAt'),
  dir: queryChoice(['asc', 'desc']).transform((v) => v ?? 'desc'),
  page: queryPage(10_000),
})
export type LeadFilters = z.output<typeof LeadFiltersSchema>

/** A lead's page: the merge search, the lead picked to merge, the erase confirmation. */
export const LeadPageQuerySchema = z.object({ mergeQ: queryText(60), mergeWith: queryId, erase: queryFlag, notice: queryNotice })

/** The front desk's traffic sheet: which store and day. */
export const DeskQuerySchema = z.object({ store: queryId, day: queryDay, notice: queryNotice })

/** The walk-in and call forms: which store's desk, and (walk-in) the number typed so far, looked up as it is typed (cut to 20 characters). */
export const DeskFormQuerySchema = z.object({ store: queryId, phone: z.preprocess((v) => (typeof v === 'string' ? v.slice(0, 20) : v), queryText(20)) })

