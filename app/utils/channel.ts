import { CHANNELS, MEDIA, type Channel } from '../../db/schema/enums'

/** utm_source values (and their common spellings) that name one of our media. */
const SOURCE_ALIASES: Record<string, Channel> = {
  autohome: 'autohome',
  汽车之家: 'autohome',
  che168: 'autohome',
  bitauto: 'bitauto',
  yiche: 'bitauto',
  易车: 'bitauto',
  dongchedi: 'dongchedi',
  懂车帝: 'dongchedi',
  pcauto: 'pcauto',
  太平洋汽车: 'pcauto',
  wechat: 'wechat',
  weixin: 'wechat',
  微信: 'wechat',
  douyin: 'douyin',
  抖音: 'douyin',
  toutiao: 'douyin',
  sms: 'sms',
  短信: 'sms',
}

const REFERRER_CHANNELS: Array<[RegExp, Channel]> = [
  [/(^|\.)autohome\.com\.cn$|(^|\.)che168\.com$/, 'autohome'],
  [/(^|\.)(bitauto|yiche)\.com$/, 'bitauto'],
  [/(^|\.)dongchedi\.com$/, 'dongchedi'],
  [/(^|\.)pcauto\.com\.cn$/, 'pcauto'],
  [/(^|\.)(weixin\.qq|wechat)\.com$|^mp\.weixin/, 'wechat'],
  [/(^|\.)(douyin|iesdouyin|toutiao)\.com$/, 'douyin'],
  [/(^|\.)(baidu|sogou|so|sm|bing|google|shenma)\.(com|cn)$/, 'search'],
]

export type ChannelInput = {
  utmSource?: string | null
  utmMedium?: string | null
  referrer?: string | null
  /** the page's own host, so that internal navigation is not counted as a referral */
  ownHost?: string | null
  clickIds?: Record<string, string> | null
}

/** The channel a web touchpoint is credited to: UTM first, then click ids, then the referrer. */
export function classifyChannel(input: ChannelInput): Channel {
  const source = input.utmSource?.trim().toLowerCase()
  if (source) {
    const known = SOURCE_ALIASES[source] ?? (CHANNELS as readonly string[]).find((c) => c === source)
    if (known) return known as Channel
    const medium = input.utmMedium?.trim().toLowerCase() ?? ''
    if (/cpc|ppc|sem|search/.test(medium)) return 'search'
    if ((MEDIA as readonly string[]).includes(medium)) return medium as Channel
    return 'other'
  }
  const ids = input.clickIds ?? {}
  if (ids.bd_vid) return 'search'
  if (ids.clickid) return 'douyin'
  if (ids.gdt_vid || ids.qz_gdt) return 'wechat'
  if (input.referrer) {
    try {
      const host = new URL(input.referrer).hostname.toLowerCase()
      if (input.ownHost && host === input.ownHost.toLowerCase()) return 'direct'
      for (const [pattern, channel] of REFERRER_CHANNELS) if (pattern.test(host)) return channel
      return 'referral'
    } catch {
      return 'direct'
    }
  }
  return 'direct'
}
