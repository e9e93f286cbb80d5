import type { Medium } from '../../db/schema/enums'

/** The four UTM parameters a tracking link carries (SPEC §3). */
export type Utm = { utmSource: string; utmMedium: string; utmCampaign: string; utmContent: string }

const UTM_PARAMS = [
  ['utm_source', 'utmSource'],
  ['utm_medium', 'utmMedium'],
  ['utm_campaign', 'utmCampaign'],
  ['utm_content', 'utmContent'],
] as const satisfies ReadonlyArray<readonly [string, keyof Utm]>

/**
 * utm_medium by medium: the car portals send referrals (a listing or article that links
 * to us), WeChat and Douyin are social, SMS is its own medium, print, broadcast, outdoor
 * and other special media are offline (they reach the phone through a QR code).
 */
export const UTM_MEDIUM_BY_MEDIUM: Record<Medium, string> = {
  autohome: 'referral',
  bitauto: 'referral',
  dongchedi: 'referral',
  pcauto: 'referral',
  wechat: 'social',
  douyin: 'social',
  sms: 'sms',
  web: 'display',
  newspaper: 'offline',
  radio: 'offline',
  tv: 'offline',
  outdoor: 'offline',
  other: 'offline',
}

/** Lower-case ASCII words joined by hyphens; Chinese characters drop out. */
export function slugify(text: string, max = 40): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, max)
    .replace(/-+$/, '')
}

/**
 * The UTM parameters a new link of a placement starts with. utm_source is the medium's key,
 * which classifyChannel credits to that medium; for "other media" the platform's slug says more.
 * utm_campaign is the campaign name's slug, or its id prefix when the name is Chinese.
 */
export function deriveUtm(
  campaign: { id: string; name: string },
  placement: { id: string; medium: Medium; platform: string },
): Utm {
  const nameSlug = slugify(campaign.name)
  const platformSlug = slugify(placement.platform, 24)
  const idPrefix = placement.id.replace(/-/g, '').slice(0, 8)
  return {
    utmSource: placement.medium === 'other' && platformSlug.length >= 3 ? platformSlug : placement.medium,
    utmMedium: UTM_MEDIUM_BY_MEDIUM[placement.medium] ?? 'offline',
    utmCampaign: nameSlug.length >= 3 ? nameSlug : `campaign-${campaign.id.replace(/-/g, '').slice(0, 8)}`,
    utmContent: platformSlug.length >= 3 ? `${platformSlug}-${idPrefix}` : idPrefix,
  }
}

function paramName(pair: string) {
  const raw = pair.split('=')[0] ?? ''
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return raw
  }
}

/**
 * The destination with our UTM parameters: the destination's own query is kept as it was
 * written (only its utm_* parameters of the same names give way to ours), and so is its hash.
 */
export function withUtm(destination: string, utm: Utm): string {
  const url = new URL(destination)
  const ours = new Set<string>(UTM_PARAMS.map(([name]) => name))
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair && !ours.has(paramName(pair)))
  const added = UTM_PARAMS.filter(([, key]) => utm[key]).map(([name, key]) => `${name}=${encodeURIComponent(utm[key])}`)
  url.search = [...kept, ...added].join('&')
  return url.toString()
}
