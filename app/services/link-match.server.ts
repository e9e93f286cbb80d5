import { and, eq, inArray, sql } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client'
import { campaigns, mediaPlacements, trackingLinks } from '../../db/schema'
import { zonedDay } from '../utils/zoned-time'

export type Utm = { utmSource: string | null; utmMedium?: string | null; utmCampaign: string | null; utmContent: string | null }
export type LinkMatch = { trackingLinkId: string; campaignId: string; placementId: string | null }

const key = (storeId: string, source: string, campaign: string, content: string) => `${storeId}\u0000${source}\u0000${campaign}\u0000${content}`

/**
 * The tracking links that visits came through, recognised by the UTM values our links
 * carry (utm_source, utm_campaign and utm_content together name one placement's link),
 * so that a web visit or form is credited to its campaign and placement, not just its
 * channel. One query for all the visits of a batch.
 */
export async function matchTrackingLinks(db: DbOrTx, visits: Array<{ storeId: string } & Utm>) {
  const wanted = visits.filter((v) => v.utmSource && v.utmCampaign && v.utmContent)
  const found = new Map<string, LinkMatch>()
  if (!wanted.length) return (v: { storeId: string } & Utm) => (v.utmSource && v.utmCampaign && v.utmContent ? found.get(key(v.storeId, v.utmSource, v.utmCampaign, v.utmContent)) : undefined)
  const rows = await db
    .select({
      id: trackingLinks.id,
      storeId: trackingLinks.storeId,
      campaignId: trackingLinks.campaignId,
      placementId: trackingLinks.placementId,
      utmSource: trackingLinks.utmSource,
      utmCampaign: trackingLinks.utmCampaign,
      utmContent: trackingLinks.utmContent,
    })
    .from(trackingLinks)
    .where(
      and(
        inArray(trackingLinks.storeId, [...new Set(wanted.map((v) => v.storeId))]),
        inArray(trackingLinks.utmCampaign, [...new Set(wanted.map((v) => v.utmCampaign!))]),
      ),
    )
  for (const r of rows) {
    found.set(key(r.storeId, r.utmSource, r.utmCampaign, r.utmContent), { trackingLinkId: r.id, campaignId: r.campaignId, placementId: r.placementId })
  }
  return (v: { storeId: string } & Utm) =>
    v.utmSource && v.utmCampaign && v.utmContent ? found.get(key(v.storeId, v.utmSource, v.utmCampaign, v.utmContent)) : undefined
}

/**
 * The campaign placement on a medium that was running when a lead arrived, for leads that
 * come without a link (a platform's lead list, for instance): the placement's own period,
 * else its campaign's (warm-up included), counted in the store's calendar days. Only an
 * unambiguous match is credited; overlapping placements on one medium leave the lead to
 * its channel, for attribution to weigh.
 */
export async function placementsRunningOn(db: DbOrTx, storeId: string, medium: string, timeZone: string) {
  const rows = await db
    .select({
      campaignId: campaigns.id,
      placementId: mediaPlacements.id,
      from: sql<string>`coalesce(${mediaPlacements.startDate}, ${campaigns.warmupStart}, ${campaigns.startDate})::text`,
      to: sql<string>`coalesce(${mediaPlacements.endDate}, ${campaigns.endDate})::text`,
    })
    .from(mediaPlacements)
    .innerJoin(campaigns, eq(campaigns.id, mediaPlacements.campaignId))
    .where(
      and(
        eq(campaigns.storeId, storeId),
        eq(mediaPlacements.medium, medium as never),
        inArray(campaigns.status, ['approved', 'running', 'completed', 'evaluated']),
      ),
    )
  return (at: Date): { campaignId: string; placementId: string } | undefined => {
    const day = zonedDay(at, timeZone)
    const running = rows.filter((r) => r.from <= day && day <= r.to)
    return running.length === 1 ? { campaignId: running[0]!.campaignId, placementId: running[0]!.placementId } : undefined
  }
}
