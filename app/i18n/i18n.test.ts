import { describe, expect, it } from 'vitest'
import { dictionaries, negotiateLocale, translator } from './index'

describe('dictionaries', () => {
  it('zh-CN and en have exactly the same keys, none empty', () => {
    const zh = Object.keys(dictionaries['zh-CN']).sort()
    const en = Object.keys(dictionaries.en).sort()
    expect(zh).toEqual(en)
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const [key, text] of Object.entries(dictionaries[locale])) {
        expect(text.trim(), `${locale} ${key}`).not.toBe('')
      }
    }
  })

  it('uses the same placeholders in both languages', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const key of Object.keys(dictionaries.en) as Array<keyof typeof dictionaries.en>) {
      expect(names(dictionaries['zh-CN'][key]), key).toEqual(names(dictionaries.en[key]))
    }
  })

  it('the Chinese interface uses the words of the trade', () => {
    const t = translator('zh-CN')
    expect(t('campaign.section.media')).toContain('广宣')
    expect(t('form.community')).toBe('小区外展')
    expect(t('role.specialist')).toBe('市场专员')
  })
})

describe('negotiateLocale', () => {
  it('follows Accept-Language with q-values, defaulting to Chinese', () => {
    expect(negotiateLocale('en-US,en;q=0.9')).toBe('en')
    expect(negotiateLocale('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN')
    expect(negotiateLocale('fr;q=1, en;q=0.5, zh;q=0.7')).toBe('zh-CN')
    expect(negotiateLocale('de')).toBe('zh-CN')
    expect(negotiateLocale(null)).toBe('zh-CN')
  })

  it('fills placeholders', () => {
    expect(translator('en')('common.page', { page: 2, pages: 5 })).toBe('Page 2 of 5')
  })
})
