import { z } from 'zod'
import { readSeenAt, type MoneyUnit, type ObservationColumn, type ObservationField } from '../../analytics/ingest/observation-headers'
import type { Cell, TableRow } from '../../analytics/ingest/read-table'
import { quoteInReason } from '../../analytics/ingest/phone'
import { cellString as cleanCell, isNone, parseAmountFen, parseSaleDate, type Parsed } from '../../analytics/ingest/sales-values'
import { checkObservationFacts, completePrices, OBSERVATION_TEXT_MAX, seenInFuture } from '../schemas/competitor'
import { requiredText, text } from '../schemas/fields'
import { joinMessage } from '../utils/form'

/**
 * The rows of an observation sheet checked one by one (observation-import.server.ts runs the
 * import): each cell read as a person typed it — amounts in the column's unit, dates in the usual
 * forms or Excel serials, where-seen words onto the closed list — and the row held to the rules of
 * the observation form (checkObservationFacts). Pure: no database.
 */

const CHECK_SLICE = 250

/** A cell as the text a person typed: trimmed, full-width forms half-width; a dash or 无 is nothing; an .xlsx date as its day. */
function cellText(cell: Cell | undefined): string {
  if (cell instanceof Date) return Number.isNaN(cell.getTime()) ? '' : new Date(Math.round(cell.getTime() / 1000) * 1000).toISOString().slice(0, 10)
  const s = cleanCell(cell)
  return isNone(s) ? '' : s
}

/** An amount in fen from a column counted in `unit`; a cell that names its own unit (12.98万, ¥129,800) keeps it. */
function amountIn(cell: Cell | undefined, unit: MoneyUnit): Parsed<number | null> {
  if (unit !== 'fen') return parseAmountFen(cell, unit === 'wan' ? 10_000 : 1)
  const parsed = parseAmountFen(cell, 1)
  if (!parsed.ok || parsed.value === null) return parsed
  const ownUnit = typeof cell === 'string' && /万|元|¥|￥|rmb|cny/i.test(cell)
  return { ok: true, value: ownUnit ? parsed.value : Math.round(parsed.value / 100) }
}


/**
 * One row of a sheet → an observation, by the form's rules (checkObservationFacts: something
 * seen, plausible prices that agree, a promotion that ends after it starts; the form's text caps)
 * plus the cells' own reading: amounts in the column's unit, dates in the usual forms or Excel
 * serials, the day seen required and not after today in the store's calendar.
 */
function observationRowSchema(units: Partial<Record<ObservationField, MoneyUnit>>, timeZone: string, now: Date) {
  const textCell = (max: number) => z.custom<Cell | undefined>().transform(cellText).pipe(text(max).unwrap())
  const requiredTextCell = (max: number) => z.custom<Cell | undefined>().transform(cellText).pipe(requiredText(max))
  const moneyCell = (field: ObservationField) =>
    z.custom<Cell | undefined>().transform((cell, ctx): number | null => {
      const parsed = amountIn(cell, units[field] ?? 'yuan')
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: joinMessage(parsed.reason, parsed.params) })
        return z.NEVER
      }
      if (parsed.value !== null && parsed.value < 0) {
        ctx.addIssue({ code: 'custom', message: joinMessage('sales.reason.amountNegative', { value: quoteInReason(cellText(cell)) }) })
        return z.NEVER
      }
      return parsed.value
    })
  const dayCell = z.custom<Cell | undefined>().transform((cell, ctx): string | null => {
    const parsed = parseSaleDate(cell, timeZone)
    if (parsed.ok) return parsed.value
    ctx.addIssue({ code: 'custom', message: joinMessage(parsed.reason, parsed.params) })
    return z.NEVER
  })
  const requiredDayCell = dayCell.transform((day, ctx): string => {
    if (day !== null) return day
    ctx.addIssue({ code: 'custom', message: 'validation.required' })
    return z.NEVER
  })
  return z
    .object({
      brand: requiredTextCell(OBSERVATION_TEXT_MAX.brand),
      model: requiredTextCell(OBSERVATION_TEXT_MAX.model),
      trim: textCell(OBSERVATION_TEXT_MAX.trim),
      listPriceFen: moneyCell('listPrice'),
      transactionPriceFen: moneyCell('transactionPrice'),
      discountFen: moneyCell('discount'),
      promotion: textCell(OBSERVATION_TEXT_MAX.promotion),
      promotionStart: dayCell,
      promotionEnd: dayCell,
      seenAtText: textCell(OBSERVATION_TEXT_MAX.place),
      place: textCell(OBSERVATION_TEXT_MAX.place),
      seenOn: requiredDayCell,
      seenByName: textCell(OBSERVATION_TEXT_MAX.seenBy),
      note: textCell(OBSERVATION_TEXT_MAX.note),
    })
    .transform(({ seenAtText, ...v }) => {
      // a where-seen value none of the words names is elsewhere, its text kept as the place (or in the note)
      const { seenAt, known } = readSeenAt(seenAtText)
      if (known) return { ...v, seenAt }
      if (!v.place) return { ...v, seenAt, place: seenAtText }
      return { ...v, seenAt, note: v.note ? `${v.note}\n${seenAtText}` : seenAtText }
    })
    .superRefine((v, ctx) => {
      checkObservationFacts(v, ctx)
      if (seenInFuture(v.seenOn, timeZone, now)) ctx.addIssue({ code: 'custom', path: ['seenOn'], message: 'competitors.validation.seenInFuture' })
      if (v.note.length > OBSERVATION_TEXT_MAX.note) ctx.addIssue({ code: 'custom', path: ['note'], message: `validation.tooLong?max=${OBSERVATION_TEXT_MAX.note}` })
    })
    .transform(completePrices)
}

export type CheckedObservation = z.output<ReturnType<typeof observationRowSchema>> & { rowNumber: number }
export type RowProblem = { rowNumber: number; column: string; reason: string }

/** The field a key of the row schema (or of the shared rules) stands for. */
const FIELD_OF: Record<string, ObservationField> = {
  listPriceFen: 'listPrice',
  transactionPriceFen: 'transactionPrice',
  discountFen: 'discount',
  seenAtText: 'seenAt',
  seenByName: 'seenBy',
}

/**
 * Checks every row: the good ones, and a problem per bad cell (its column's header, or the
 * field when no column holds it, and the reason as an i18n message). Yields to other requests
 * between slices: the checks run on the server's thread.
 */
export async function checkObservationRows(
  rows: readonly TableRow[],
  context: { headers: readonly string[]; columns: readonly ObservationColumn[]; timeZone: string; now?: Date },
): Promise<{ good: CheckedObservation[]; problems: RowProblem[]; failedRows: number }> {
  const units = Object.fromEntries(context.columns.map((c) => [c.field, c.unit])) as Partial<Record<ObservationField, MoneyUnit>>
  const schema = observationRowSchema(units, context.timeZone, context.now ?? new Date())
  const at = new Map(context.columns.map((c) => [c.field, c.index]))
  const columnName = (field: ObservationField) => {
    const index = at.get(field)
    return index === undefined ? field : context.headers[index] || `#${index + 1}`
  }
  const good: CheckedObservation[] = []
  const problems: RowProblem[] = []
  let failedRows = 0
  for (const [i, row] of rows.entries()) {
    if (i && i % CHECK_SLICE === 0) await new Promise((resolve) => setImmediate(resolve))
    const cell = (field: ObservationField) => {
      const index = at.get(field)
      return index === undefined ? undefined : row.cells[index]
    }
    const parsed = schema.safeParse({
      brand: cell('brand'),
      model: cell('model'),
      trim: cell('trim'),
      listPriceFen: cell('listPrice'),
      transactionPriceFen: cell('transactionPrice'),
      discountFen: cell('discount'),
      promotion: cell('promotion'),
      promotionStart: cell('promotionStart'),
      promotionEnd: cell('promotionEnd'),
      seenAtText: cell('seenAt'),
      place: cell('place'),
      seenOn: cell('seenOn'),
      seenByName: cell('seenBy'),
      note: cell('note'),
    })
    if (parsed.success) {
      good.push({ ...parsed.data, rowNumber: row.rowNumber })
      continue
    }
    failedRows++
    const seen = new Set<string>()
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? 'brand')
      const field = FIELD_OF[key] ?? (key as ObservationField)
      if (seen.has(field)) continue
      seen.add(field)
      problems.push({ rowNumber: row.rowNumber, column: columnName(field), reason: issue.message })
    }
  }
  return { good, problems, failedRows }
}
