import { sql } from 'drizzle-orm'
import { executePrepared, getDb, type Db } from '../../db/client'
import type { Channel } from '../../db/schema/enums'
import { getEnv } from '../utils/env.server'
import { describeError, log } from '../utils/logger.server'
import { TOUCH_SUMMARY_SET, touchSummaryOf } from './touch-summary.server'

/**
 * The batching writer behind POST /api/collect (SPEC §3, docs/decisions/007): events of
 * concurrent requests wait a few milliseconds (or until a batch is full) and are written
 * together in one transaction. A request's promise settles only when its batch has
 * committed — or fails, and then the request answers 503 and acknowledges nothing.
 */

/** One validated event of a known site, ready to store. */
export type CollectedEvent = {
  siteId: string
  storeId: string
  clientEventId: string
  visitorKey: string
  type: string
  url: string
  referrer: string | null
  utmSource: string | null
  utmMedium: string | null
  utmCampaign: string | null
  utmContent: string | null
  utmTerm: string | null
  clickIds: Record<string, string> | null
  occurredAt: Date
  /** the channel of the touchpoint this event makes, or null when it makes none (a click within the site) */
  touchChannel: Channel | null
}

export type SubmitResult = { stored: number; duplicates: number }

/** The database did not take the events in time: answer 503 and let the client retry. */
export class CollectorUnavailableError extends Error {
  readonly retryAfterSeconds: number
  constructor(reason: string, retryAfterSeconds = 5) {
    super(`Events not stored: ${reason}`)
    this.name = 'CollectorUnavailableError'
    this.retryAfterSeconds = retryAfterSeconds
  }
}

export type CollectorOptions = {
  /** a write starts when this many events wait … */
  batchSize: number
  /** … or when the first of them has waited this long */
  waitMs: number
  /** a request not committed within this time is answered "unavailable" */
  timeoutMs: number
  /** events waiting beyond this are refused at once */
  queueMax: number
  /**
   * After a write failed, until one succeeds (the database crashed or restarts): a write
   * gives up on its requests after this long instead of `timeoutMs`, and requests arriving
   * while a write is under way are refused at once. Default: `timeoutMs`, at most 500 ms.
   */
  failingTimeoutMs?: number
  db?: () => Promise<Db>
}

type Waiter = {
  events: CollectedEvent[]
  resolve: (result: SubmitResult) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
  settled: boolean
}

const keyOf = (e: { siteId: string; clientEventId: string }) => `${e.siteId}\u0000${e.clientEventId}`

export class EventCollector {
  private queue: Waiter[] = []
  private queued = 0
  private timer: NodeJS.Timeout | null = null
  private writing: Promise<void> | null = null
  /** the last write failed: the database is down or restarting until a write commits again */
  private failing = false
  private readonly db: () => Promise<Db>
  private readonly failingTimeoutMs: number

  constructor(readonly options: CollectorOptions) {
    this.db = options.db ?? getDb
    this.failingTimeoutMs = options.failingTimeoutMs ?? Math.min(options.timeoutMs, 500)
  }

  /** Events waiting for a write (not counting the one in progress). */
  get pending() {
    return this.queued
  }

  /**
   * Resolves once these events are committed (new or already there); rejects with
   * CollectorUnavailableError otherwise — at the latest after `timeoutMs` (default: the
   * collector's), what the request has left of its time.
   */
  submit(events: CollectedEvent[], timeoutMs = this.options.timeoutMs): Promise<SubmitResult> {
    if (!events.length) return Promise.resolve({ stored: 0, duplicates: 0 })
    if (timeoutMs <= 0) return Promise.reject(new CollectorUnavailableError('the database did not answer in time'))
    if (this.queued + events.length > this.options.queueMax) {
      return Promise.reject(new CollectorUnavailableError('too many events are waiting for the database'))
    }
    // a database that just failed is asked again by the write under way, not by a queue
    // behind it: a driver reconnecting after a crash can keep that write waiting for seconds
    if (this.failing && this.writing) {
      return Promise.reject(new CollectorUnavailableError('the database is not answering'))
    }
    return new Promise<SubmitResult>((resolve, reject) => {
      const waiter: Waiter = {
        events,
        resolve,
        reject,
        settled: false,
        timer: setTimeout(() => this.giveUp(waiter, 'the database did not commit in time'), Math.min(timeoutMs, this.options.timeoutMs)),
      }
      this.queue.push(waiter)
      this.queued += events.length
      this.schedule()
    })
  }

  /** Waits until everything submitted so far has been written or refused. */
  async drain() {
    while (this.queue.length || this.writing) {
      if (!this.writing) this.flushSoon(0)
      await (this.writing ?? new Promise((r) => setTimeout(r, 1)))
    }
  }

  private giveUp(waiter: Waiter, reason: string) {
    if (waiter.settled) return
    waiter.settled = true
    const at = this.queue.indexOf(waiter)
    if (at >= 0) {
      // still waiting: never written
      this.queue.splice(at, 1)
      this.queued -= waiter.events.length
    } else if (this.writing) {
      // its write has not ended in the request's time: the database hangs (a crash, a restart,
      // a network gone quiet) until that write ends, and requests meanwhile are answered at once
      this.failing = true
    }
    // if it is in the write under way, that write may still commit: answering "not stored"
    // for stored events is safe (the client retries with the same ids), the reverse is not
    waiter.reject(new CollectorUnavailableError(reason))
  }

  private schedule() {
    if (this.writing) return // the write under way starts the next batch when it ends
    this.flushSoon(this.queued >= this.options.batchSize ? 0 : this.options.waitMs)
  }

  private flushSoon(ms: number) {
    if (this.timer && ms > 0) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      this.flush()
    }, ms)
  }

  private flush() {
    if (this.writing || !this.queue.length) return
    const batch: Waiter[] = []
    let size = 0
    while (this.queue.length && (size === 0 || size + this.queue[0]!.events.length <= this.options.batchSize)) {
      const waiter = this.queue.shift()!
      batch.push(waiter)
      size += waiter.events.length
    }
    this.queued -= size
    this.writing = this.write(batch).finally(() => {
      this.writing = null
      // what arrived during the write has waited long enough: write it now
      if (this.queue.length) this.flushSoon(0)
    })
  }

  private async write(batch: Waiter[]) {
    const live = batch.filter((w) => !w.settled)
    if (!live.length) return
    const started = performance.now()
    // while the database is failing, a write that does not end soon is answered "not stored"
    // (it may still commit: the clients' retries are idempotent)
    const watchdog = this.failing
      ? setTimeout(() => {
          for (const waiter of live) this.giveUp(waiter, 'the database is not answering')
        }, this.failingTimeoutMs)
      : undefined
    try {
      const inserted = await writeEvents(await this.db(), live.flatMap((w) => w.events))
      if (this.failing) log('info', 'collect writes resumed', { ms: Math.round(performance.now() - started) })
      this.failing = false
      log('debug', 'collect batch committed', { requests: live.length, events: live.reduce((n, w) => n + w.events.length, 0), ms: Math.round(performance.now() - started) })
      for (const waiter of live) {
        clearTimeout(waiter.timer)
        if (waiter.settled) continue
        waiter.settled = true
        const stored = waiter.events.filter((e) => inserted.delete(keyOf(e))).length
        waiter.resolve({ stored, duplicates: waiter.events.length - stored })
      }
    } catch (error) {
      // one line per outage, not per batch: while failing, every beacon would log its own
      log(this.failing ? 'debug' : 'error', 'collect batch not stored', {
        events: live.reduce((n, w) => n + w.events.length, 0),
        error: describeError(error),
      })
      this.failing = true
      for (const waiter of live) {
        clearTimeout(waiter.timer)
        this.giveUp(waiter, 'the database refused the write')
      }
    } finally {
      clearTimeout(watchdog)
    }
  }
}

/**
 * One statement (so one round trip, atomic without a transaction): the events (a repeated
 * client event id is skipped), their visitors (first and last seen), a touchpoint for each new
 * event that makes one — on the visitor's lead when the visitor has become one, on the
 * campaign and placement of the tracking link its UTM values name — and the first and last
 * touch of those leads. The batch travels as one JSON parameter: a statement of a few
 * parameters whatever the batch's size, which the database parses once and Node builds in
 * microseconds (a query builder's row-by-row insert cost more than the database's work).
 * Returns the keys of the new events.
 */
export async function writeEvents(db: Db, events: CollectedEvent[]): Promise<Set<string>> {
  // one row per event id, in a fixed order so that concurrent writers lock alike
  const unique = [...new Map(events.map((e) => [keyOf(e), e]))].sort(([a], [b]) => (a < b ? -1 : 1))
  const batch = JSON.stringify(
    unique.map(([, e]) => ({
      site_id: e.siteId,
      store_id: e.storeId,
      client_event_id: e.clientEventId,
      visitor_key: e.visitorKey,
      type: e.type,
      url: e.url,
      referrer: e.referrer,
      utm_source: e.utmSource,
      utm_medium: e.utmMedium,
      utm_campaign: e.utmCampaign,
      utm_content: e.utmContent,
      utm_term: e.utmTerm,
      click_ids: e.clickIds,
      occurred_at: e.occurredAt.toISOString(),
      touch_channel: e.touchChannel,
    })),
  )
  // prepared: one round trip a batch on a Postgres server (the text is the same for every batch)
  const rows = await executePrepared<{ site_id: string; client_event_id: string }>(db, sql`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${batch}::jsonb) AS i(
        site_id uuid, store_id uuid, client_event_id text, visitor_key text, type text, url text, referrer text,
        utm_source text, utm_medium text, utm_campaign text, utm_content text, utm_term text, click_ids jsonb,
        occurred_at timestamptz, touch_channel text)
    ),
    fresh AS (
      INSERT INTO web_events (site_id, store_id, client_event_id, visitor_key, type, url, referrer,
                              utm_source, utm_medium, utm_campaign, utm_content, utm_term, click_ids, occurred_at)
      SELECT site_id, store_id, client_event_id, visitor_key, type, url, referrer,
             utm_source, utm_medium, utm_campaign, utm_content, utm_term, click_ids, occurred_at
      FROM input ORDER BY site_id, client_event_id
      ON CONFLICT (site_id, client_event_id) DO NOTHING
      RETURNING id, site_id, client_event_id
    ),
    fresh_input AS (
      SELECT i.*, f.id AS web_event_id FROM input i JOIN fresh f ON f.site_id = i.site_id AND f.client_event_id = i.client_event_id
    ),
    seen AS (
      INSERT INTO visitors (store_id, site_id, visitor_key, first_seen_at, last_seen_at)
      SELECT min(store_id::text)::uuid, site_id, visitor_key, min(occurred_at), max(occurred_at)
      FROM fresh_input GROUP BY site_id, visitor_key ORDER BY site_id, visitor_key
      ON CONFLICT (site_id, visitor_key) DO UPDATE
        SET first_seen_at = least(visitors.first_seen_at, excluded.first_seen_at),
            last_seen_at = greatest(visitors.last_seen_at, excluded.last_seen_at)
      RETURNING site_id, visitor_key, lead_id
    ),
    links AS (
      SELECT DISTINCT ON (l.store_id, l.utm_source, l.utm_campaign, l.utm_content)
             l.store_id, l.utm_source, l.utm_campaign, l.utm_content, l.id, l.campaign_id, l.placement_id
      FROM tracking_links l
      WHERE (l.store_id, l.utm_campaign) IN (
        SELECT store_id, utm_campaign FROM fresh_input WHERE touch_channel IS NOT NULL AND utm_source IS NOT NULL AND utm_content IS NOT NULL)
      ORDER BY l.store_id, l.utm_source, l.utm_campaign, l.utm_content, l.id
    ),
    touched AS (
      INSERT INTO touchpoints (store_id, lead_id, site_id, visitor_key, kind, channel, utm_source, utm_medium, utm_campaign, utm_content,
                               web_event_id, "at", detail, tracking_link_id, campaign_id, placement_id)
      SELECT i.store_id, s.lead_id, i.site_id, i.visitor_key, 'web_visit', i.touch_channel, i.utm_source, i.utm_medium, i.utm_campaign, i.utm_content,
             i.web_event_id, i.occurred_at,
             jsonb_build_object('url', i.url, 'referrer', i.referrer, 'utmTerm', i.utm_term, 'clickIds', i.click_ids),
             l.id, l.campaign_id, l.placement_id
      FROM fresh_input i
      JOIN seen s ON s.site_id = i.site_id AND s.visitor_key = i.visitor_key
      LEFT JOIN links l ON l.store_id = i.store_id AND l.utm_source = i.utm_source AND l.utm_campaign = i.utm_campaign AND l.utm_content = i.utm_content
      WHERE i.touch_channel IS NOT NULL
      ORDER BY i.site_id, i.client_event_id
      RETURNING id, lead_id, "at", channel, campaign_id
    ),
    -- a known lead came back: its first and last touch, of what it had and what came now
    summary AS (${touchSummaryOf(sql`
      SELECT t.id, t.lead_id, t."at", t.channel, t.campaign_id FROM touchpoints t WHERE t.lead_id IN (SELECT lead_id FROM touched)
      UNION ALL
      SELECT id, lead_id, "at", channel, campaign_id FROM touched WHERE lead_id IS NOT NULL`)}
    ),
    refreshed AS (
      UPDATE leads l SET ${TOUCH_SUMMARY_SET}
      FROM summary u WHERE l.id = u.lead_id
      RETURNING l.id
    )
    -- (the inserts and the update above run whole whether read here or not)
    SELECT site_id, client_event_id FROM fresh`)
  return new Set(rows.map((r) => keyOf({ siteId: r.site_id, clientEventId: r.client_event_id })))
}

let collector: EventCollector | undefined

/** The process's collector, configured from the environment on first use. */
export function getCollector(): EventCollector {
  if (!collector) {
    const env = getEnv()
    collector = new EventCollector({
      batchSize: env.COLLECT_BATCH_SIZE,
      waitMs: env.COLLECT_BATCH_WAIT_MS,
      timeoutMs: env.COLLECT_WRITE_TIMEOUT_MS,
      queueMax: env.COLLECT_QUEUE_MAX,
    })
  }
  return collector
}

/** Replaces the process's collector (tests point it at another database or other limits). */
export function setCollector(next: EventCollector | undefined) {
  collector = next
}
