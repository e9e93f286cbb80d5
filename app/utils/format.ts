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
    // 2026年11月29日 14:05 · Nov 29, 2026, 14:05
    year: 'numeric',
    month: 'short',
    day: 'numeric',
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

// the cities of the time zones Chinese dealer groups have stores in, as Chinese readers name them
const ZONE_CITY_ZH: Record<string, string> = { Shanghai: '上海', Urumqi: '乌鲁木齐', Hong_Kong: '香港', Macau: '澳门', Taipei: '台北', Chongqing: '重庆', Harbin: '哈尔滨' }

/**
 * A time zone by its name in the reader's language (SPEC §6: no developer vocabulary):
 * 中国标准时间（上海）, China Standard Time (Shanghai). Several zones share a name, so the city
 * the zone is named after follows it.
 */
export function formatTimeZone(zone: string, locale: Locale) {
  if (zone === 'UTC') return locale === 'zh-CN' ? '协调世界时（UTC）' : 'Coordinated Universal Time (UTC)'
  let name = zone
  try {
    name = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: 'longGeneric' }).formatToParts(new Date(0)).find((p) => p.type === 'timeZoneName')?.value ?? zone
  } catch {
    return zone
  }
  const cityKey = zone.split('/').pop() ?? zone
  const city = locale === 'zh-CN' ? (ZONE_CITY_ZH[cityKey] ?? cityKey.replace(/_/g, ' ')) : cityKey.replace(/_/g, ' ')
  // Ürümqi Time, 乌鲁木齐时间: the name says the city already
  if (name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').includes(city)) return name
  return locale === 'zh-CN' ? `${name}（${city}）` : `${name} (${city})`
}

/** A currency by its name in the reader's language, with its code: 人民币 (CNY), Chinese Yuan (CNY). */
export function formatCurrencyName(code: string, locale: Locale) {
  try {
    const name = new Intl.DisplayNames(locale, { type: 'currency' }).of(code)
    return name && name !== code ? `${name} (${code})` : code
  } catch {
    return code
  }
}
