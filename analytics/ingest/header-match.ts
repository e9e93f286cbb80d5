import { normalizeSalesHeader } from './sales-headers'
import type { MoneyScale } from './sales-values'

/**
 * Which field a column header names, for an import kind's own alias table: the header
 * normalized as sales headers are (half-width, lower case, no brackets, punctuation or unit:
 * 指导价（万元） → 指导价, with its 万元 scale), then an exact alias (its confidence, 1 unless
 * given), else the longest alias the header contains (a guess the user should look at).
 */

/** An alias as written, or with the confidence of an exact match. */
export type HeaderAlias = string | readonly [string, number]

export type HeaderMatch<F extends string> = { field: F; confidence: number; scale: MoneyScale }
export type HeaderGuess<F extends string> = HeaderMatch<F> & { index: number; header: string }

/** The confidence of a header that contains an alias rather than being one. */
export const CONTAINED_HEADER_CONFIDENCE = 0.6

export function createHeaderMatcher<F extends string>(
  fields: readonly F[],
  aliases: Record<F, readonly HeaderAlias[]>,
  options: {
    /** aliases too general to be found inside a longer header (日期 in 开始日期) */
    notContainable?: readonly string[]
    /** headers that are never guessed from a part (落地价 is not a transaction price) */
    notAField?: RegExp
  } = {},
) {
  const notContainable = new Set((options.notContainable ?? []).map((a) => normalizeSalesHeader(a).key))
  const exact = new Map<string, { field: F; confidence: number }>()
  const containable: Array<{ alias: string; field: F }> = []
  for (const field of fields) {
    for (const entry of aliases[field]) {
      const [text, confidence] = typeof entry === 'string' ? [entry, 1] : entry
      const { key } = normalizeSalesHeader(text)
      if (exact.has(key)) throw new Error(`header alias "${text}" is listed twice`)
      exact.set(key, { field, confidence })
      const ascii = /^[\x00-\x7f]*$/.test(key)
      if (!notContainable.has(key) && (ascii ? key.length >= 4 : key.length >= 2)) containable.push({ alias: key, field })
    }
  }
  // the longest alias a header contains is the most specific (活动开始日期 → 活动开始, not 日期)
  containable.sort((a, b) => b.alias.length - a.alias.length)

  function match(header: string): HeaderMatch<F> | null {
    const { key, scale } = normalizeSalesHeader(header)
    if (!key) return null
    const found = exact.get(key)
    if (found) return { ...found, scale }
    if (options.notAField?.test(key)) return null
    for (const { alias, field } of containable) if (key.includes(alias)) return { field, confidence: CONTAINED_HEADER_CONFIDENCE, scale }
    return null
  }

  /** Each field taken by the column that names it with the most confidence (the first of equals); the rest left out. */
  function guess(headers: readonly string[]): Array<HeaderGuess<F>> {
    const best = new Map<F, HeaderGuess<F>>()
    const matches = headers.map((header, index) => {
      const m = header ? match(header) : null
      if (!m) return null
      const g: HeaderGuess<F> = { index, header, ...m }
      const held = best.get(m.field)
      if (!held || held.confidence < g.confidence) best.set(m.field, g)
      return g
    })
    return matches.filter((g): g is HeaderGuess<F> => !!g && best.get(g.field) === g)
  }

  /** Every alias as written: the header texts the reader looks for to find the header row. */
  const known = fields.flatMap((field) => aliases[field].map((entry) => (typeof entry === 'string' ? entry : entry[0])))

  return { match, guess, known }
}
