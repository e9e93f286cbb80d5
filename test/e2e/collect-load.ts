import crypto from 'node:crypto'
import { dealerGroups, sites, stores } from '../../db/schema'
import type { Db } from '../../db/client'

/**
 * Beacons as a store's website sends them, from several concurrent senders, for the fault
 * tests of POST /api/collect (SPEC §8). Every event has its own client event id, so that what
 * the server acknowledged can be counted against what the database holds.
 */

export const VISITOR_AGENT =
  'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36'

/** Limits high enough that one test client on loopback is never rate limited. */
export const UNLIMITED_COLLECT_ENV = {
  COLLECT_IP_RATE: '1000000',
  COLLECT_IP_BURST: '1000000',
  COLLECT_SITE_RATE: '1000000',
  COLLECT_SITE_BURST: '1000000',
}

export const SITE_ORIGIN = 'https://www.hz-vw.example'

/** A dealer group, a store and its website with SITE_ORIGIN registered; returns the site's id and key. */
export async function registerSite(db: Db) {
  const [group] = await db.insert(dealerGroups).values({ name: '演示经销商集团' }).returning()
  const [store] = await db.insert(stores).values({ groupId: group!.id, name: '杭州西湖大众4S店', brand: '大众', city: '杭州' }).returning()
  const siteKey = crypto.randomBytes(12).toString('base64url')
  const [site] = await db.insert(sites).values({ storeId: store!.id, name: '官网', siteKey, origins: [SITE_ORIGIN], active: true }).returning()
  return { siteId: site!.id, siteKey, storeId: store!.id }
}

export type Outcome = {
  /** the HTTP status, or 0 when no answer came (connection refused or reset, timeout) */
  status: number
  startedAt: number
  endedAt: number
  ids: string[]
  body: string
}

export const newEventId = () => crypto.randomBytes(12).toString('base64url')

/** One POST /api/collect of these event ids, as rs.js sends it. */
export async function sendEvents(baseUrl: string, siteKey: string, ids: string[], timeoutMs = 15_000): Promise<Outcome> {
  const visitorId = `v${ids[0]!.slice(0, 15)}`
  const body = JSON.stringify(
    ids.map((eventId, i) => ({
      siteKey,
      visitorId,
      eventId,
      type: 'pageview',
      url: `${SITE_ORIGIN}/models/tiguan-l?utm_source=baidu&utm_medium=cpc&utm_campaign=autumn&n=${i}`,
      referrer: 'https://www.baidu.com/',
    })),
  )
  const startedAt = performance.now()
  try {
    const res = await fetch(`${baseUrl}/api/collect`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: SITE_ORIGIN, 'User-Agent': VISITOR_AGENT },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    })
    const text = await res.text()
    return { status: res.status, startedAt, endedAt: performance.now(), ids, body: text }
  } catch (error) {
    return { status: 0, startedAt, endedAt: performance.now(), ids, body: (error as Error).message }
  }
}

export type Load = {
  outcomes: Outcome[]
  /** stops sending and resolves once every sender's request in flight has ended */
  stop: () => Promise<void>
}

/** `senders` loops, each sending `perRequest` new events at a time until stopped. */
export function startLoad(baseUrl: string, siteKey: string, options: { senders?: number; perRequest?: number; pauseMs?: number } = {}): Load {
  const { senders = 8, perRequest = 5, pauseMs = 0 } = options
  const outcomes: Outcome[] = []
  let stopped = false
  const loops = Array.from({ length: senders }, async () => {
    while (!stopped) {
      const outcome = await sendEvents(baseUrl, siteKey, Array.from({ length: perRequest }, newEventId))
      outcomes.push(outcome)
      // a refused connection answers at once: do not spin
      if (outcome.status === 0) await sleep(20)
      else if (pauseMs) await sleep(pauseMs)
    }
  })
  return {
    outcomes,
    stop: async () => {
      stopped = true
      await Promise.all(loops)
    },
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export function percentile(values: number[], p: number) {
  if (!values.length) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Event ids of the requests answered 2xx, and of all the others. */
export function tally(outcomes: Outcome[]) {
  const acknowledged = new Set<string>()
  const unacknowledged = new Set<string>()
  for (const o of outcomes) for (const id of o.ids) (o.status >= 200 && o.status < 300 ? acknowledged : unacknowledged).add(id)
  for (const id of acknowledged) unacknowledged.delete(id)
  return { acknowledged, unacknowledged }
}
