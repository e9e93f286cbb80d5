import { describe, expect, it } from 'vitest'
import { classifyChannel } from './channel'

describe('classifyChannel', () => {
  it('credits UTM sources, in English or Chinese', () => {
    expect(classifyChannel({ utmSource: 'autohome', utmMedium: 'cpc' })).toBe('autohome')
    expect(classifyChannel({ utmSource: '抖音' })).toBe('douyin')
    expect(classifyChannel({ utmSource: 'baidu', utmMedium: 'cpc' })).toBe('search')
    expect(classifyChannel({ utmSource: 'some-blog' })).toBe('other')
  })

  it('falls back to click ids, then the referrer', () => {
    expect(classifyChannel({ clickIds: { bd_vid: 'x' } })).toBe('search')
    expect(classifyChannel({ clickIds: { clickid: 'x' } })).toBe('douyin')
    expect(classifyChannel({ referrer: 'https://www.baidu.com/s?wd=途观L' })).toBe('search')
    expect(classifyChannel({ referrer: 'https://car.autohome.com.cn/x' })).toBe('autohome')
    expect(classifyChannel({ referrer: 'https://news.example.org/a' })).toBe('referral')
    expect(classifyChannel({ referrer: 'https://www.store.cn/a', ownHost: 'www.store.cn' })).toBe('direct')
    expect(classifyChannel({})).toBe('direct')
  })
})
