import type { AnalyticsConnection } from '../duckdb'
import { cachedResult } from '../result-cache'
import { NO_MEDIUM } from '../attribution/vocabulary'
import { ATTRIBUTION_MODELS, DEFAULT_DIRECT_CHANNEL, attributePrepared, type AttributionModel, type AttributionOptions } from '../attribution'
import { bootstrapCredits, type CreditInterval } from '../attribution/bootstrap'
import { type ConversionPath, preparePaths } from '../attribution/paths'
import { CAMPAIGN_CHANNEL, MEDIUM_CHANNEL, conversionPaths, keyPart, noCampaignPerStore, storeKeyMerged, type ConversionKind, type ConversionPathsParams, type PathDimension } from './conversion-paths'

/**
 * The model comparison of SPEC §4 (ADR 022) for stores and a period: every model's credits
 * per channel (or campaign) side by side — conversions, gross profit and revenue — each
 * with its 90% interval, and what the paths themselves say: the most common converting
 * paths, how many touches a conversion took and how long from the first touch.
 */

/** Fewer conversions than this and the page says the numbers are too few to conclude. */
export const TOO_FEW_CONVERSIONS = 30

export type ReportCredit = { conversions: number; value: number; revenue: number; interval: CreditInterval }

export type AttributionReport = {
  kind: ConversionKind
  dimension: PathDimension
  totals: { conversions: number; value: number; revenue: number; nulls: number }
  /** every key of the paths (channel or campaign id), in code-unit order */
  keys: string[]
  credits: Record<AttributionModel, Record<string, ReportCredit>>
  /** per model, the key with the most conversions credited and whether its interval sets it apart from the next */
  leaders: Record<AttributionModel, { key: string; clear: boolean } | null>
  tooFew: boolean
  markov: { order: number; removalEffects: Record<string, number>; conversionProbability: number }
  /** the ten most frequent converting paths (repeated touches of one key in a row kept) */
  topPaths: Array<{ keys: string[]; conversions: number; value: number }>
  /** conversions by how many touches their path had (the last bucket is "this many or more") */
  pathLengths: Array<{ touches: number; conversions: number }>
  /** conversions by whole days from the first touch of the path to the conversion, in buckets */
  timeToConvert: Array<{ bucket: TimeBucket; conversions: number }>
  /** when it was computed (ms since the epoch), and whether the analytical store has changed since (analytics/result-cache.ts) */
  asOf: number
  stale: boolean
}

export const TIME_BUCKETS = ['0', '1', '2-3', '4-7', '8-14', '15-30', '31+'] as const
export type TimeBucket = (typeof TIME_BUCKETS)[number]
const DAY = 86_400_000
const PATH_LENGTH_CAP = 8

function timeBucket(days: number): TimeBucket {
  if (days < 1) return '0'
  if (days < 2) return '1'
  if (days < 4) return '2-3'
  if (days < 8) return '4-7'
  if (days < 15) return '8-14'
  if (days < 31) return '15-30'
  return '31+'
}

export type AttributionReportParams = Omit<ConversionPathsParams, 'dimension'> & { dimension: PathDimension } & Omit<AttributionOptions, 'lookback' | 'isDirect'> & {
  replicates?: number
  /** only this channel: by channel its one row; by campaign or medium the credit of their touches on it; the paths that touched it */
  channel?: string
}

/**
 * What a report filtered to one channel shows of the keys its models credited: by channel the
 * channel's own; by campaign or medium (paths keyed by them and the channel at once) the first
 * part of the keys on that channel. Null for a key the report leaves out.
 */
export type ReportView = { row: (key: string) => string | null; label: (key: string) => string }

export function channelView(dimension: PathDimension, channel: string): ReportView {
  return dimension === 'channel'
    ? { row: (key) => (key === channel ? key : null), label: (key) => key }
    : { row: (key) => (keyPart(key, 1) === channel ? keyPart(key, 0) : null), label: (key) => keyPart(key, 0) }
}

/** The report (kept until the analytical store changes: analytics/result-cache.ts). */
export async function attributionReport(c: AnalyticsConnection, params: AttributionReportParams): Promise<AttributionReport> {
  const { value, asOf, stale } = await cachedResult(c, 'attribution', params, (own) => computeAttributionReport(own, params))
  return { ...value, asOf, stale }
}

async function computeAttributionReport(c: AnalyticsConnection, params: AttributionReportParams): Promise<AttributionReport> {
  const { channel, ...rest } = params
  const filtered = channel !== undefined && params.dimension !== 'channel'
  const dimension = !filtered ? params.dimension : params.dimension === 'campaign' ? CAMPAIGN_CHANNEL : MEDIUM_CHANNEL
  const { converted, nulls } = await conversionPaths(c, { ...rest, dimension })
  // by medium, last non-direct passes over the touches that came through no placement; by campaign
  // filtered to a channel, over the campaigns' direct touches (as ROI by campaign does: roi.ts)
  const directChannel = params.directChannel ?? (params.dimension === 'medium' ? NO_MEDIUM : undefined)
  const isDirect = !filtered ? undefined : params.dimension === 'medium' ? (key: string) => keyPart(key, 0) === NO_MEDIUM : (key: string) => keyPart(key, 1) === DEFAULT_DIRECT_CHANNEL
  const options = { order: params.order, includeNulls: params.includeNulls, halfLifeDays: params.halfLifeDays, directChannel, isDirect }
  return reportFromPaths(params.kind, params.dimension, converted, nulls, options, params.replicates, channel === undefined ? undefined : channelView(params.dimension, channel), params.dimension === 'campaign' && params.storeIds.length > 1)
}

type Converted = ConversionPath & { touchedAt: readonly number[]; convertedAt: number; revenue: number }

/** The report of given paths (pure: the tests and the benchmark call it directly). */
export function reportFromPaths(
  kind: ConversionKind,
  dimension: PathDimension,
  converted: readonly Converted[],
  nulls: readonly ConversionPath[],
  options: Omit<AttributionOptions, 'lookback'> = {},
  replicates?: number,
  view?: ReportView,
  /** by campaign over several stores: the touches without a campaign keyed per store for the models, one row (conversion-paths.ts) */
  perStore = false,
): AttributionReport {
  const modelled = perStore ? noCampaignPerStore([...converted, ...nulls]) : [...converted, ...nulls]
  const prepared = preparePaths(modelled)
  const point = attributePrepared(prepared, options)
  // revenue is credited as gross profit is (every model is linear in a path's value): the same paths, valued by revenue
  const byRevenue = converted.some((p) => p.revenue !== 0)
    ? attributePrepared(preparePaths(modelled.map((p) => ('revenue' in p ? { ...p, value: (p as Converted).revenue } : p))), options)
    : null
  const intervals = bootstrapCredits(prepared, { ...options, replicates, groupBy: perStore ? storeKeyMerged : undefined })

  // the keys shown, each with the key the models credited (filtered to a channel: its keys only, by their first part) and
  // the keys summed into it (one, but the store's keys of the touches without a campaign)
  const members = new Map<string, { row: string; keys: string[] }>()
  for (const key of prepared.channels) {
    const merged = storeKeyMerged(key)
    const row = view ? view.row(merged) : merged
    if (row === null) continue
    const entry = members.get(merged)
    if (entry) entry.keys.push(key)
    else members.set(merged, { row, keys: [key] })
  }
  const shown = [...members].map(([merged, m]) => [m.row, merged, m.keys] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const sum = (credits: ReadonlyMap<string, { conversions: number; value: number }> | undefined, keys: readonly string[], field: 'conversions' | 'value') =>
    keys.reduce((total, key) => total + (credits?.get(key)?.[field] ?? 0), 0)
  const touchesShown = (p: ConversionPath) => !view || p.channels.some((key) => view.row(key) !== null)
  const credits = {} as AttributionReport['credits']
  const leaders = {} as AttributionReport['leaders']
  for (const model of ATTRIBUTION_MODELS) {
    const rows: Record<string, ReportCredit> = {}
    for (const [row, merged, keys] of shown) {
      rows[row] = {
        conversions: sum(point.credits[model], keys, 'conversions'),
        value: sum(point.credits[model], keys, 'value'),
        revenue: sum(byRevenue?.credits[model], keys, 'value'),
        interval: intervals[model].get(merged)!,
      }
    }
    credits[model] = rows
    const ranked = shown.map(([row]) => [row, rows[row]!] as const).sort((a, b) => b[1].conversions - a[1].conversions || (a[0] < b[0] ? -1 : 1))
    const [first, second] = ranked
    leaders[model] = first && first[1].conversions > 0 ? { key: first[0], clear: !second || first[1].interval.conversions.low > second[1].interval.conversions.high } : null
  }

  const counts = new Map<string, { keys: string[]; conversions: number; value: number }>()
  const lengths = new Map<number, number>()
  const times = new Map<TimeBucket, number>()
  let revenue = 0
  let conversions = 0
  let value = 0
  // filtered to a channel, the paths that touched it, each touch by its first part
  for (const p of converted) {
    if (!touchesShown(p)) continue
    const keys = view ? p.channels.map(view.label) : [...p.channels]
    conversions += p.conversions
    value += p.value ?? 0
    const id = JSON.stringify(keys)
    const entry = counts.get(id) ?? { keys, conversions: 0, value: 0 }
    entry.conversions += p.conversions
    entry.value += p.value ?? 0
    counts.set(id, entry)
    const touches = Math.min(p.channels.length, PATH_LENGTH_CAP)
    lengths.set(touches, (lengths.get(touches) ?? 0) + p.conversions)
    const bucket = timeBucket((p.convertedAt - p.touchedAt[0]!) / DAY)
    times.set(bucket, (times.get(bucket) ?? 0) + p.conversions)
    revenue += p.revenue
  }
  const topPaths = [...counts.values()].sort((a, b) => b.conversions - a.conversions || b.value - a.value || (JSON.stringify(a.keys) < JSON.stringify(b.keys) ? -1 : 1)).slice(0, 10)

  return {
    kind,
    dimension,
    // filtered to a channel: the conversions whose paths touched it
    totals: view ? { conversions, value, revenue, nulls: prepared.totals.nulls } : { conversions: prepared.totals.conversions, value: prepared.totals.value, revenue, nulls: prepared.totals.nulls },
    keys: shown.map(([row]) => row),
    credits,
    leaders,
    tooFew: (view ? conversions : prepared.totals.conversions) < TOO_FEW_CONVERSIONS,
    markov: {
      order: point.markov.order,
      // the store's keys of one row are in chains apart: removing them all loses the sum of what each loses
      removalEffects: Object.fromEntries(shown.map(([row, , keys]) => [row, keys.reduce((total, key) => total + point.markov.removalEffects.get(key)!, 0)])),
      conversionProbability: point.markov.conversionProbability,
    },
    topPaths,
    pathLengths: Array.from({ length: PATH_LENGTH_CAP }, (_, i) => ({ touches: i + 1, conversions: lengths.get(i + 1) ?? 0 })),
    timeToConvert: TIME_BUCKETS.map((bucket) => ({ bucket, conversions: times.get(bucket) ?? 0 })),
    asOf: Date.now(),
    stale: false,
  }
}
