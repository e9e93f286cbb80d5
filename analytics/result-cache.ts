import type { AnalyticsConnection, AnalyticsDb } from './duckdb'

/**
 * Results of the analytical store kept until it changes (ADR 024): the reports of the analysis
 * pages (model comparison, ROI) cost seconds — minutes for a whole group — and change only
 * when a sync commits new data, so each is computed once per version of the copy
 * (`AnalyticsDb.dataVersion`, moved by every sync that changed something) and then served from
 * memory. Keyed by the report's name and its parameters; concurrent requests for the same
 * report share one computation; a failure is not kept. Bounded: the least recently used go first.
 *
 * When the copy has changed since a report was computed, the report is computed again on a
 * connection of its own; a request waits for it up to `FRESH_WAIT_MS`, and past that gets the
 * report of the earlier version (at most `STALE_FOR_MS` old, its time in `asOf`) while the new
 * one finishes for the next request. So a busy store's syncs — every few seconds — never leave
 * a manager waiting minutes for the group's review; the page says how current it is.
 */

export const RESULT_CACHE_ENTRIES = 64
/** how long a request waits for the report of the current version before it takes the last one */
export const FRESH_WAIT_MS = 2_000
/** the oldest report served while a newer one is computed */
export const STALE_FOR_MS = 15 * 60_000

export type Cached<T> = { value: T; /** when it was computed (ms since the epoch) */ asOf: number; /** computed for an earlier version of the copy */ stale: boolean }

type Entry = { version: number; asOf: number; value: unknown }
type Cache = { entries: Map<string, Entry>; computing: Map<string, { version: number; promise: Promise<Entry> }> }

const caches = new WeakMap<AnalyticsDb, Cache>()

/** A stable key: object keys in order, so `{a, b}` and `{b, a}` are one report. */
export function cacheKey(name: string, params: unknown): string {
  const stable = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(stable)
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, stable(v)]),
      )
    }
    return value
  }
  return `${name}:${JSON.stringify(stable(params))}`
}

/**
 * The report for `params`: kept, computed, or — when its computation for the current version
 * takes longer than `waitMs` — the one of an earlier version. `compute` gets a connection of
 * its own (the asking request's may be closed before it is done).
 */
export async function cachedResult<T>(
  c: AnalyticsConnection,
  name: string,
  params: unknown,
  compute: (own: AnalyticsConnection) => Promise<T>,
  options: { waitMs?: number; now?: () => number } = {},
): Promise<Cached<T>> {
  const db = c.db
  const now = options.now ?? Date.now
  const version = db.dataVersion
  let cache = caches.get(db)
  if (!cache) caches.set(db, (cache = { entries: new Map(), computing: new Map() }))
  const { entries, computing } = cache
  const key = cacheKey(name, params)
  const kept = entries.get(key)
  if (kept) {
    // most recently used last
    entries.delete(key)
    entries.set(key, kept)
    if (kept.version === version) return { value: kept.value as T, asOf: kept.asOf, stale: false }
  }
  let running = computing.get(key)
  if (!running || running.version !== version) {
    const promise = db
      .withConnection(compute)
      .then((value) => {
        const entry: Entry = { version, asOf: now(), value }
        // a newer version's result may have landed meanwhile: keep the newest
        const present = entries.get(key)
        if (!present || present.version <= version) {
          entries.delete(key)
          entries.set(key, entry)
          while (entries.size > RESULT_CACHE_ENTRIES) entries.delete(entries.keys().next().value!)
        }
        return entry
      })
      .finally(() => {
        if (computing.get(key)?.promise === promise) computing.delete(key)
      })
    running = { version, promise }
    computing.set(key, running)
  }
  const fresh = running.promise.then((e) => ({ value: e.value as T, asOf: e.asOf, stale: false }))
  if (!kept || now() - kept.asOf > STALE_FOR_MS) return fresh
  // an earlier version's report is at hand: wait a little for the new one, else take it
  fresh.catch(() => undefined)
  const waitMs = options.waitMs ?? FRESH_WAIT_MS
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), waitMs)
  })
  try {
    const first = await Promise.race([fresh.catch(() => null), late])
    return first ?? { value: kept.value as T, asOf: kept.asOf, stale: true }
  } finally {
    clearTimeout(timer)
  }
}

/** How many results are kept for the copy (tests). */
export function cachedResultCount(db: AnalyticsDb): number {
  return caches.get(db)?.entries.size ?? 0
}
