import type { Locale } from '../i18n'

/** Money is integer fen; shown as ¥ with two decimals in the user's language. */
export function formatMoney(fen: number | null | undefined, locale: Locale, currency = 'CNY') {
  if (fen == null) return '—'
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: 2,
  }).format(fen / 100)
}

/** A compact amount for tables and charts: ¥1.2万 / ¥12K. */
export function formatMoneyShort(fen: number | null | undefined, locale: Locale, currency = 'CNY') {
  if (fen == null) return '—'
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    currencyDisplay: 'narrowSymbol',
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(fen / 100)
}

export function formatNumber(n: number | null | undefined, locale: Locale) {
  if (n == null) return '—'
  return new Intl.NumberFormat(locale).format(n)
}

/** A ratio as a percentage, whole unless asked for decimals (0.123 → "12%", 12.5 → "1,250%"); null is "—". */
export function formatPercent(x: number | null | undefined, locale: Locale, digits = 0) {
  if (x == null || !Number.isFinite(x)) return '—'
  return new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x)
}

/** A change as a signed whole percentage: +12%, −3%, ±0%. */
export function formatChange(x: number, locale: Locale) {
  const whole = Math.round(x * 100)
  const sign = whole > 0 ? '+' : whole < 0 ? '−' : '±'
  return `${sign}${formatPercent(Math.abs(whole) / 100, locale)}`
}

/** A plan date is a calendar day of the store (YYYY-MM-DD); no time zone shift applies. */
export function formatDay(day: string | null | undefined, locale: Locale) {
  if (!day) return '—'
  const [y, m, d] = day.split('-').map(Number)
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y!, m! - 1, d!)),
  )
}

/**
 * A moment (stored in UTC) shown in the store's time zone, as people write it: no zone label
 * (SPEC §6: never "GMT+8") — every time on a page is the store's own clock.
 */
export function formatMoment(at: Date | string | null | undefined, locale: Locale, timeZone = 'Asia/Shanghai') {
  if (!at) return '—'
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone,
  }).format(typeof at === 'string' ? new Date(at) : at)
}

/** "1,234.50" or "1234.5" or "¥1,234" → 123450 fen; null when it is not an amount. */
export function parseYuanToFen(input: string): number | null {
  const cleaned = input.replace(/[¥￥,\s]/g, '').replace(/元$/, '')
  if (cleaned === '') return null
  if (!/^-?\d+(\.\d{1,2})?$/.test(cleaned)) return null
  const negative = cleaned.startsWith('-')
  const [whole, frac = ''] = cleaned.replace('-', '').split('.')
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'))
  return negative ? -fen : fen
}

/** 123450 → "1234.50" for an input's value. */
export function fenToYuanInput(fen: number | null | undefined) {
  if (fen == null) return ''
  const sign = fen < 0 ? '-' : ''
  const abs = Math.abs(fen)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}
