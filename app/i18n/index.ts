import en from './en'
import zhCN from './zh-CN'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: Locale = 'zh-CN'

export type MessageKey = keyof typeof en
export type Messages = Record<MessageKey, string>

export const dictionaries: Record<Locale, Messages> = { 'zh-CN': zhCN, en }

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string

export function translator(locale: Locale): Translate {
  const messages = dictionaries[locale]
  return (key, vars) => {
    const text = messages[key] ?? key
    if (!vars) return text
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole))
  }
}

/** Picks the best supported locale from an Accept-Language header (q-values honoured). */
export function negotiateLocale(acceptLanguage: string | null | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';')
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
      return { tag: (tag ?? '').toLowerCase(), q: q ? Number.parseFloat(q.slice(2)) : 1 }
    })
    .filter((x) => x.tag && !Number.isNaN(x.q))
    .sort((a, b) => b.q - a.q)
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN'
    if (tag.startsWith('en')) return 'en'
  }
  return DEFAULT_LOCALE
}
