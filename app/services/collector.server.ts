import { sql } from 'drizzle-orm'
import { getDb, type Db, type Tx } from '../../db/client'
import { touchpoints, visitors, webEvents } from '../../db/schema'
import { matchTrackingLinks } from './link-match.server'
import type { Channel } from '../../db/schema/enums'
import { getEnv } from '../utils/env.server'
import { describeError, log } from '../utils/logger.server'
import { refreshTouchSummary } from './lead-intake.server'

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

  /** Resolves once these events are committed (new or already there); rejects with CollectorUnavailableError otherwise. */
  submit(events: CollectedEvent[]): Promise<SubmitResult> {
    if (!events.length) return Promise.resolve({ stored: 0, duplicates: 0 })
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
        timer: setTimeout(() => this.giveUp(waiter, 'the database did not commit in time'), this.options.timeoutMs),
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
 * One transaction: the events (a repeated client event id is skipped), their visitors
 * (first and last seen), and a touchpoint for each new event that makes one, on the
 * visitor's lead when the visitor has become one. Returns the keys of the new events.
 */
export async function writeEvents(db: Db, events: CollectedEvent[]): Promise<Set<string>> {
  // one row per event id, in a fixed order so that concurrent writers lock alike
  const unique = [...new Map(events.map((e) => [keyOf(e), e])).values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(webEvents)
      .values(
        unique.map((e) => ({
          siteId: e.siteId,
          storeId: e.storeId,
          clientEventId: e.clientEventId,
          visitorKey: e.visitorKey,
          type: e.type,
          url: e.url,
          referrer: e.referrer,
          utmSource: e.utmSource,
          utmMedium: e.utmMedium,
          utmCampaign: e.utmCampaign,
          utmContent: e.utmContent,
          utmTerm: e.utmTerm,
          clickIds: e.clickIds,
          occurredAt: e.occurredAt,
        })),
      )
      .onConflictDoNothing({ target: [webEvents.siteId, webEvents.clientEventId] })
      .returning({ id: webEvents.id, siteId: webEvents.siteId, clientEventId: webEvents.clientEventId })
    if (!inserted.length) return new Set<string>()
    const idOf = new Map(inserted.map((r) => [keyOf(r), r.id]))
    const fresh = unique.filter((e) => idOf.has(keyOf(e)))
    const leadOf = await upsertVisitors(tx, fresh)
    const linkOf = await matchTrackingLinks(tx, fresh.filter((e) => e.touchChannel))
    const touches = fresh
      .filter((e) => e.touchChannel)
      .map((e) => ({
        ...linkOf(e),
        storeId: e.storeId,
        leadId: leadOf.get(`${e.siteId}\u0000${e.visitorKey}`) ?? null,
        siteId: e.siteId,
        visitorKey: e.visitorKey,
        kind: 'web_visit' as const,
        channel: e.touchChannel!,
        utmSource: e.utmSource,
        utmMedium: e.utmMedium,
        utmCampaign: e.utmCampaign,
        utmContent: e.utmContent,
        webEventId: idOf.get(keyOf(e))!,
        at: e.occurredAt,
        detail: { url: e.url, referrer: e.referrer, utmTerm: e.utmTerm, clickIds: e.clickIds },
      }))
    if (touches.length) await tx.insert(touchpoints).values(touches)
    // a known lead came back: its last touch moves
    for (const leadId of new Set(touches.map((t) => t.leadId).filter((id): id is string => Boolean(id)))) {
      await refreshTouchSummary(tx, leadId)
    }
    return new Set(idOf.keys())
  })
}

async function upsertVisitors(tx: Tx, events: CollectedEvent[]) {
  const byVisitor = new Map<string, { storeId: string; siteId: string; visitorKey: string; firstSeenAt: Date; lastSeenAt: Date }>()
  for (const e of events) {
    const key = `${e.siteId}\u0000${e.visitorKey}`
    const seen = byVisitor.get(key)
    if (!seen) byVisitor.set(key, { storeId: e.storeId, siteId: e.siteId, visitorKey: e.visitorKey, firstSeenAt: e.occurredAt, lastSeenAt: e.occurredAt })
    else {
      if (e.occurredAt < seen.firstSeenAt) seen.firstSeenAt = e.occurredAt
      if (e.occurredAt > seen.lastSeenAt) seen.lastSeenAt = e.occurredAt
    }
  }
  const rows = [...byVisitor.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row)
  const linked = await tx
    .insert(visitors)
    .values(rows)
    .onConflictDoUpdate({
      target: [visitors.siteId, visitors.visitorKey],
      set: {
        firstSeenAt: sql`least(${visitors.firstSeenAt}, excluded.first_seen_at)`,
        lastSeenAt: sql`greatest(${visitors.lastSeenAt}, excluded.last_seen_at)`,
      },
    })
    .returning({ siteId: visitors.siteId, visitorKey: visitors.visitorKey, leadId: visitors.leadId })
  return new Map(linked.filter((v) => v.leadId).map((v) => [`${v.siteId}\u0000${v.visitorKey}`, v.leadId!]))
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
