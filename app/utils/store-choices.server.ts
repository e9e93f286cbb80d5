import type { Locale } from '../i18n'
import { COMMON_CURRENCIES, COMMON_TIME_ZONES } from '../schemas/store'
import { formatCurrencyName, formatTimeZone } from './format'

export type Choice = { value: string; label: string }

/**
 * The time zones and currencies a store may have, named in the reader's language. Made on the
 * server and sent with the page: the browser's own list and names (its ICU) differ from Node's,
 * and a form rendered twice from two lists would not hydrate.
 */
export function storeChoices(locale: Locale): { zones: Choice[]; currencies: Choice[] } {
  const zones = [...COMMON_TIME_ZONES, ...Intl.supportedValuesOf('timeZone').filter((z) => !(COMMON_TIME_ZONES as readonly string[]).includes(z))]
  const currencies = [...COMMON_CURRENCIES, ...Intl.supportedValuesOf('currency').filter((c) => !(COMMON_CURRENCIES as readonly string[]).includes(c))]
  return {
    zones: zones.map((z) => ({ value: z, label: formatTimeZone(z, locale) })),
    currencies: currencies.map((c) => ({ value: c, label: formatCurrencyName(c, locale) })),
  }
}
