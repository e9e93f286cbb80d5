import { z } from 'zod'
import { daysBetween } from '../utils/days'
import { parseYuanToFen } from '../utils/format'

// Field parsers shared by the forms. Every message is an i18n key (see app/i18n).

/** Optional free text: trimmed, capped. */
export const text = (max: number) =>
  z
    .string({ error: 'validation.invalid' })
    .trim()
    .max(max, `validation.tooLong?max=${max}`)
    .default('')

export const requiredText = (max: number) =>
  z
    .string({ error: 'validation.required' })
    .trim()
    .min(1, 'validation.required')
    .max(max, `validation.tooLong?max=${max}`)

function isRealDay(v: string) {
  const [y, m, d] = v.split('-').map(Number)
  const date = new Date(Date.UTC(y!, m! - 1, d!))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m! - 1 && date.getUTCDate() === d && y! >= 2000 && y! <= 2100
}

/** A calendar day `YYYY-MM-DD`, as <input type="date"> sends it. */
export const day = z
  .string({ error: 'validation.required' })
  .trim()
  .min(1, 'validation.required')
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'validation.date')
  .refine(isRealDay, 'validation.date')

export const optionalDay = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : null))
  .refine((v) => v === null || (/^\d{4}-\d{2}-\d{2}$/.test(v) && isRealDay(v)), 'validation.date')

/** A whole number ≥ 0, empty allowed (null). */
export const optionalCount = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return null
    if (!/^\d{1,9}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'validation.integer' })
      return z.NEVER
    }
    return Number(v)
  })

export const count = optionalCount.transform((v) => v ?? 0)

/** An amount typed in yuan, stored as integer fen; empty allowed (null). */
export const optionalMoney = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return null
    const fen = parseYuanToFen(v)
    if (fen === null || fen < 0 || fen > 1e13) {
      ctx.addIssue({ code: 'custom', message: 'validation.money' })
      return z.NEVER
    }
    return fen
  })

export const money = optionalMoney.transform((v) => v ?? 0)

export const choice = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: 'validation.choice' })

/** A row id from a hidden field: present for saved rows, empty for new ones. */
export const rowId = z
  .string()
  .optional()
  .transform((v) => (v ? v : undefined))
  .pipe(z.uuid('validation.invalid').optional())

// Query-string fields (filters, pages, notices). A filter left at "all" sends an empty
// value, which means no filter; anything else must be valid, or the page answers 400
// naming the field (parseQuery in app/utils/input.server.ts).

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v)
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/

/** A search text: trimmed, capped, no control characters. */
export const queryText = (max: number) =>
  z.preprocess(
    blankToUndefined,
    z
      .string({ error: 'validation.invalid' })
      .trim()
      .max(max, `validation.tooLong?max=${max}`)
      .refine((v) => !CONTROL_CHARACTERS.test(v), 'validation.invalid')
      .optional(),
  )

/** A calendar day `YYYY-MM-DD` that exists (no 2026-02-30). */
export const queryDay = z.preprocess(
  blankToUndefined,
  z
    .string({ error: 'validation.date' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'validation.date')
    .refine(isRealDay, 'validation.date')
    .optional(),
)

/** A record id. */
export const queryId = z.preprocess(blankToUndefined, z.uuid({ error: 'validation.invalid' }).optional())

/** One of the given values. */
export const queryChoice = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(blankToUndefined, z.enum(values, { error: 'validation.choice' }).optional())

/** A page number from 1 to max, 1 when absent. */
export const queryPage = (max: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ error: `validation.range?min=1&max=${max}` })
      .int(`validation.range?min=1&max=${max}`)
      .min(1, `validation.range?min=1&max=${max}`)
      .max(max, `validation.range?min=1&max=${max}`)
      .default(1),
  )

/** A notice word a redirect put there (`?notice=created`); the page shows only the ones it knows. */
export const queryNotice = z.preprocess(blankToUndefined, z.string({ error: 'validation.invalid' }).regex(/^[\w.-]{1,40}$/, 'validation.invalid').optional())

/** A flag link (`?download=1`). */
export const queryFlag = z.preprocess(blankToUndefined, z.literal('1', { error: 'validation.invalid' }).optional())

/** A page whose only query is the notice a redirect put there. */
export const NoticeQuerySchema = z.object({ notice: queryNotice })

/** A month as <input type="month"> sends it, and as older links carry it: `2026-10`. */
export const queryMonth = z.preprocess(
  blankToUndefined,
  z
    .string({ error: 'validation.invalid' })
    .regex(/^(20\d\d|2100)-(0[1-9]|1[0-2])$/, 'sales.validation.month')
    .optional(),
)

/** A period of a page's query string (app/utils/period.ts): first and last day, or a month. */
export const periodQuery = { from: queryDay, to: queryDay, month: queryMonth }

/**
 * The checks of a period: the last day not before the first, and — where each day costs
 * computation, as on the analysis pages — no longer than `maxDays` (counted to today when the
 * last day is left open).
 */
export function periodChecks(maxDays?: number) {
  return (v: { from?: string; to?: string }, ctx: z.RefinementCtx) => {
    if (v.from && v.to && v.to < v.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'validation.endBeforeStart' })
    else if (maxDays && v.from) {
      const last = v.to ?? new Date().toISOString().slice(0, 10)
      const days = daysBetween(v.from, last) + 1
      if (days > maxDays) ctx.addIssue({ code: 'custom', path: ['from'], message: `validation.periodTooLong?max=${maxDays}` })
    }
  }
}
