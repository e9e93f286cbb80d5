import type { AnalyticsConnection, AnalyticsDb } from './duckdb'

/**
 * Results of the analytical store kept until it changes (ADR 024): the reports of the analysis
 * pages (model comparison, ROI) cost seconds at a group's scale and change only when a sync
 * commits new data, so each is computed once per version of the copy (`AnalyticsDb.dataVersion`,
 * moved by every sync that changed something) and then served from memory. Keyed by the
 * report's name and its parameters; the promise is kept, so concurrent requests for the same
 * report share one computation; a failure is not kept. Bounded: the least recently used
 * results go first.
 */

export const RESULT_CACHE_ENTRIES = 64

type Cache = { version: number; entries: Map<string, Promise<unknown>> }

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

export function cachedResult<T>(c: AnalyticsConnection, name: string, params: unknown, compute: () => Promise<T>): Promise<T> {
  const version = c.db.dataVersion
  let cache = caches.get(c.db)
  if (!cache || cache.version !== version) caches.set(c.db, (cache = { version, entries: new Map() }))
  const key = cacheKey(name, params)
  const hit = cache.entries.get(key)
  if (hit) {
    // most recently used last
    cache.entries.delete(key)
    cache.entries.set(key, hit)
    return hit as Promise<T>
  }
  const entries = cache.entries
  const pending = compute().catch((error: unknown) => {
    if (entries.get(key) === pending) entries.delete(key)
    throw error
  })
  entries.set(key, pending)
  while (entries.size > RESULT_CACHE_ENTRIES) entries.delete(entries.keys().next().value!)
  return pending
}

/** How many results are kept for the copy (tests). */
export function cachedResultCount(db: AnalyticsDb): number {
  const cache = caches.get(db)
  return cache && cache.version === db.dataVersion ? cache.entries.size : 0
}
