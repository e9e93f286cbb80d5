import { z } from 'zod'
import { defineQuery } from '../query'

/**
 * Touchpoints and the distinct leads they belong to, per channel, for one store and a
 * period of moments [from, to) given as ISO strings (UTC). Leads merged away (tombstones)
 * have no touchpoints left: a merge moves them to the survivor.
 */
export const touchpointsByChannel = defineQuery<{ storeId: string; from: string; to: string }>()({
  name: 'touchpoints.by-channel',
  sql: `
    SELECT channel, count(*) AS touchpoints, count(DISTINCT lead_id) AS leads
    FROM touchpoints
    WHERE store_id = $storeId::UUID AND "at" >= $from::TIMESTAMPTZ AND "at" < $to::TIMESTAMPTZ
    GROUP BY channel
    ORDER BY touchpoints DESC, channel`,
  row: z.object({ channel: z.string(), touchpoints: z.coerce.number().int(), leads: z.coerce.number().int() }),
})
