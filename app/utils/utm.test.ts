import { describe, expect, it } from 'vitest'
import { classifyChannel } from './channel'
import { deriveUtm, slugify, withUtm } from './utm'

const campaign = { id: '3f2a9b1c-0000-4000-8000-000000000001', name: 'Tiguan L Autumn Drive 2026' }
const placement = { id: 'a1b2c3d4-0000-4000-8000-000000000002', medium: 'douyin' as const, platform: '抖音本地推' }

describe('deriveUtm', () => {
  it('names the medium, its kind of traffic, the campaign and the placement', () => {
    expect(deriveUtm(campaign, placement)).toEqual({
      utmSource: 'douyin',
      utmMedium: 'social',
      utmCampaign: 'tiguan-l-autumn-drive-2026',
      utmContent: 'a1b2c3d4',
    })
  })

  it('falls back to the campaign id for Chinese names and to the medium for Chinese platforms', () => {
    const utm = deriveUtm({ ...campaign, name: '途观L 金秋品鉴会' }, { ...placement, medium: 'other', platform: '小区电梯广告' })
    expect(utm).toMatchObject({ utmSource: 'other', utmMedium: 'offline', utmCampaign: 'campaign-3f2a9b1c', utmContent: 'a1b2c3d4' })
    expect(deriveUtm(campaign, { ...placement, medium: 'sms', platform: '' }).utmMedium).toBe('sms')
    expect(deriveUtm(campaign, { ...placement, medium: 'tv', platform: '' }).utmMedium).toBe('offline')
  })

  it('is credited to the placement’s medium by channel classification', () => {
    for (const medium of ['autohome', 'wechat', 'outdoor', 'newspaper', 'sms', 'web'] as const) {
      const utm = deriveUtm(campaign, { ...placement, medium })
      expect(classifyChannel({ utmSource: utm.utmSource, utmMedium: utm.utmMedium })).toBe(medium)
    }
  })
})

describe('slugify', () => {
  it('keeps ASCII words, drops the rest', () => {
    expect(slugify('  Ｔｉｇｕａｎ L —— 金秋 Café!! ')).toBe('tiguan-l-cafe')
    expect(slugify('途观')).toBe('')
  })
})

describe('withUtm', () => {
  const utm = { utmSource: 'wechat', utmMedium: 'social', utmCampaign: 'a b&c', utmContent: '' }

  it('appends the parameters, keeping the query as written and the hash', () => {
    expect(withUtm('https://x.cn/p?q=%E4%B8%AD+1&flag#top', utm)).toBe(
      'https://x.cn/p?q=%E4%B8%AD+1&flag&utm_source=wechat&utm_medium=social&utm_campaign=a%20b%26c#top',
    )
  })

  it('replaces utm parameters the destination already had', () => {
    expect(withUtm('https://x.cn/?utm_source=old&utm%5Fmedium=old&id=7', utm)).toBe(
      'https://x.cn/?id=7&utm_source=wechat&utm_medium=social&utm_campaign=a%20b%26c',
    )
  })
})
