/**
 * Conversion paths, the input of every attribution model (ADR 021): the channels a
 * customer touched, in order, with how many such journeys converted, their conversion
 * value and how many did not convert. Paths may come one per customer (with the time of
 * each touch and of the conversion) or aggregated, one entry per distinct path with counts,
 * as ChannelAttribution's files are.
 *
 * Pure and in memory: no database. The models read the paths only through `preparePaths`,
 * which checks them, applies the lookback and puts them in one canonical order, so that the
 * same paths in any order give bit-for-bit the same credits.
 */

export type ConversionPath = {
  /** channel names in the order they were touched, e.g. ['autohome', 'douyin', 'walk_in'] */
  channels: readonly string[]
  /** ms since epoch of each touch, one per channel, not decreasing (optional) */
  touchedAt?: readonly number[]
  /** ms since epoch of the conversion; given with `touchedAt` when the path converted */
  convertedAt?: number
  /** journeys of this path that converted (≥ 0) */
  conversions: number
  /** their total conversion value (e.g. gross profit in fen); 0 when absent */
  value?: number
  /** journeys of this path that did not convert (≥ 0); 0 when absent */
  nulls?: number
}

/** A path as the models read it: checked, trimmed to the lookback, merged with its equals. */
export type PreparedPath = {
  readonly channels: readonly string[]
  /** null when the path has no times */
  readonly touchedAt: readonly number[] | null
  readonly convertedAt: number | null
  readonly conversions: number
  readonly value: number
  readonly nulls: number
}

export type PathTotals = {
  /** distinct prepared paths */
  paths: number
  conversions: number
  value: number
  nulls: number
}

export type PreparedPaths = {
  readonly paths: readonly PreparedPath[]
  /** every channel that appears in a path, in code-unit order (not the locale's: stable everywhere) */
  readonly channels: readonly string[]
  readonly totals: PathTotals
}

export type PrepareOptions = {
  /** keep only the last N touches of each path (N ≥ 1); all when absent */
  lookback?: number
}

/** What a model credits to one channel. */
export type ChannelCredit = { conversions: number; value: number }

/** Per channel, in the order of `PreparedPaths.channels`; a channel that earns nothing has zeros. */
export type ChannelCredits = ReadonlyMap<string, ChannelCredit>

/** A path or an option the models cannot use; `pathIndex` is the position in the input list. */
export class AttributionInputError extends Error {
  constructor(message: string, readonly pathIndex: number | null = null) {
    super(pathIndex === null ? message : `path ${pathIndex + 1}: ${message}`)
    this.name = 'AttributionInputError'
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0

function checkLookback(lookback: number | undefined) {
  if (lookback !== undefined && !(Number.isInteger(lookback) && lookback >= 1)) {
    throw new AttributionInputError(`the lookback must be a whole number of touches ≥ 1, not ${lookback}`)
  }
}

function preparePath(input: ConversionPath, index: number, lookback: number | undefined): PreparedPath {
  const fail = (message: string) => new AttributionInputError(message, index)
  if (!Array.isArray(input.channels) || input.channels.length === 0) throw fail('a path needs at least one touch')
  const channels = input.channels.map((name) => {
    if (typeof name !== 'string' || name.trim() === '') throw fail('a touch has no channel name')
    return name.trim()
  })
  const conversions = input.conversions
  const value = input.value ?? 0
  const nulls = input.nulls ?? 0
  if (!isCount(conversions)) throw fail(`conversions must be a number ≥ 0, not ${String(conversions)}`)
  if (!isCount(nulls)) throw fail(`nulls must be a number ≥ 0, not ${String(nulls)}`)
  if (typeof value !== 'number' || !Number.isFinite(value)) throw fail(`the conversion value must be a number, not ${String(value)}`)
  // value belongs to conversions: a Markov or Shapley credit is a share of conversions, so
  // value on a path that never converted could not be credited to anyone
  if (value !== 0 && conversions === 0) throw fail('a conversion value on a path without conversions')

  let touchedAt: number[] | null = null
  let convertedAt: number | null = null
  if (input.touchedAt !== undefined) {
    const times = input.touchedAt
    if (!Array.isArray(times) || times.length !== channels.length) throw fail('touchedAt needs one time per touch')
    for (let i = 0; i < times.length; i++) {
      const t = times[i]
      if (typeof t !== 'number' || !Number.isFinite(t)) throw fail(`touch ${i + 1} has no valid time`)
      if (i > 0 && t < times[i - 1]!) throw fail(`touch ${i + 1} is earlier than touch ${i}: touches must be in time order`)
    }
    touchedAt = [...times]
    if (input.convertedAt !== undefined) {
      if (typeof input.convertedAt !== 'number' || !Number.isFinite(input.convertedAt)) throw fail('the conversion time is not a valid time')
      if (input.convertedAt < times[times.length - 1]!) throw fail('the conversion is earlier than the last touch')
      convertedAt = input.convertedAt
    } else if (conversions > 0) {
      throw fail('a converted path with touch times needs the conversion time (convertedAt)')
    }
  } else if (input.convertedAt !== undefined) {
    throw fail('a conversion time without touch times')
  }

  if (lookback !== undefined && channels.length > lookback) {
    channels.splice(0, channels.length - lookback)
    if (touchedAt) touchedAt.splice(0, touchedAt.length - lookback)
  }
  return { channels, touchedAt, convertedAt, conversions, value, nulls }
}

// JSON of the parts is unambiguous whatever characters the channel names hold
const pathKey = (p: PreparedPath) => JSON.stringify([p.channels, p.touchedAt, p.convertedAt])

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Checks the paths, keeps the last `lookback` touches of each, sorts them into one canonical
 * order and merges equal paths (same channels, same times) by adding their counts. Every
 * model sums in this order, so the input's order cannot change a single bit of the result.
 */
export function preparePaths(input: readonly ConversionPath[], options: PrepareOptions = {}): PreparedPaths {
  checkLookback(options.lookback)
  const keyed = input.map((path, index) => {
    const prepared = preparePath(path, index, options.lookback)
    return { key: pathKey(prepared), path: prepared }
  })
  // ties broken by the counts, so that equal paths are added up in one order too
  keyed.sort((a, b) => compareText(a.key, b.key) || a.path.conversions - b.path.conversions || a.path.value - b.path.value || a.path.nulls - b.path.nulls)
  const paths: PreparedPath[] = []
  let lastKey: string | null = null
  for (const { key, path } of keyed) {
    const last = paths[paths.length - 1]
    if (last && key === lastKey) {
      paths[paths.length - 1] = {
        ...last,
        conversions: last.conversions + path.conversions,
        value: last.value + path.value,
        nulls: last.nulls + path.nulls,
      }
    } else {
      paths.push(path)
      lastKey = key
    }
  }
  const names = new Set<string>()
  const totals: PathTotals = { paths: paths.length, conversions: 0, value: 0, nulls: 0 }
  for (const path of paths) {
    for (const channel of path.channels) names.add(channel)
    totals.conversions += path.conversions
    totals.value += path.value
    totals.nulls += path.nulls
  }
  return { paths, channels: [...names].sort(compareText), totals }
}

/** A zero credit for every channel, in channel order: models add into it. */
export function emptyCredits(channels: readonly string[]): Map<string, ChannelCredit> {
  return new Map(channels.map((channel) => [channel, { conversions: 0, value: 0 }]))
}
