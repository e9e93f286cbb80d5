/**
 * How sure the credits are (SPEC §4, ADR 022): a 90% interval for each model's credit to each
 * channel, by the bootstrap over journeys. A store with 18 orders must not be told that a
 * channel "won" when another resampling of the same kind of month would say otherwise.
 *
 * The Poisson bootstrap: each journey is drawn again Poisson(1) times, independently (for large
 * data the same as resampling n of n with replacement, and it needs no list of journeys — an
 * aggregated path of n journeys is drawn Poisson(n) times). A path's conversions and its
 * non-converting journeys are drawn apart; its value follows its conversions (the mean value of
 * its conversions, times how many were drawn). Every model is run on each replicate; the
 * interval is the 5th to 95th percentile of the replicates' credits (linear interpolation).
 * The random numbers are seeded, so the same paths give the same interval every time.
 */
import { type AttributionModel, type AttributionOptions, ATTRIBUTION_MODELS, attributeModel } from './index'
import type { ChannelCredits } from './paths'
import type { PathTotals, PreparedPath, PreparedPaths } from './paths'
import { poisson, seededRandom } from './random'

export type Interval = { low: number; high: number }
export type CreditInterval = { conversions: Interval; value: Interval }
export type CreditIntervals = Record<AttributionModel, ReadonlyMap<string, CreditInterval>>

export type BootstrapOptions = Omit<AttributionOptions, 'lookback'> & {
  /** replicates (default 200) */
  replicates?: number
  /** the interval's coverage (default 0.9) */
  level?: number
  /** seed of the resampling (default 1) */
  seed?: number
  /** only these models (default every one); the others' maps are empty */
  models?: readonly AttributionModel[]
  /**
   * the key each channel's credit is summed into, per replicate, before the interval is taken
   * (default each channel its own): for one key split into several for the model's sake
   */
  groupBy?: (channel: string) => string
}

export const DEFAULT_REPLICATES = 200
export const DEFAULT_LEVEL = 0.9

/** One resampled copy of the paths: the same channels (so every credit map lists them all), new counts. */
export function resample(prepared: PreparedPaths, random: () => number): PreparedPaths {
  const paths: PreparedPath[] = []
  const totals: PathTotals = { paths: 0, conversions: 0, value: 0, nulls: 0 }
  for (const path of prepared.paths) {
    const conversions = poisson(random, path.conversions)
    const nulls = poisson(random, path.nulls)
    if (conversions === 0 && nulls === 0) continue
    const value = conversions > 0 && path.conversions > 0 ? (path.value / path.conversions) * conversions : 0
    paths.push({ ...path, conversions, value, nulls })
    totals.paths++
    totals.conversions += conversions
    totals.value += value
    totals.nulls += nulls
  }
  return { paths, channels: prepared.channels, totals }
}

/** The q-quantile of sorted numbers (linear interpolation between order statistics, R's type 7). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return 0
  const h = (sorted.length - 1) * q
  const lo = Math.floor(h)
  const hi = Math.min(sorted.length - 1, lo + 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

/** Every model's (or the chosen models') credit intervals for the paths. */
export function bootstrapCredits(prepared: PreparedPaths, options: BootstrapOptions = {}): CreditIntervals {
  const models = options.models ?? ATTRIBUTION_MODELS
  const replicates = options.replicates ?? DEFAULT_REPLICATES
  const level = options.level ?? DEFAULT_LEVEL
  if (!(Number.isInteger(replicates) && replicates >= 2)) throw new RangeError(`replicates must be a whole number ≥ 2, not ${replicates}`)
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, not ${level}`)
  const random = seededRandom(options.seed ?? 1)
  // the keys of the intervals: the channels, or the groups they are summed into
  const groupOf = options.groupBy ?? ((channel: string) => channel)
  const index = new Map<string, number>()
  const into = prepared.channels.map((channel) => {
    const key = groupOf(channel)
    let i = index.get(key)
    if (i === undefined) index.set(key, (i = index.size))
    return i
  })
  const channels = [...index.keys()]
  // samples[model][key] = [conversions of each replicate], [value of each replicate]
  const samples = Object.fromEntries(ATTRIBUTION_MODELS.map((m) => [m, channels.map(() => ({ conversions: [] as number[], value: [] as number[] }))])) as Record<
    AttributionModel,
    Array<{ conversions: number[]; value: number[] }>
  >
  const conversions = new Float64Array(channels.length)
  const value = new Float64Array(channels.length)
  for (let r = 0; r < replicates; r++) {
    const replicate = resample(prepared, random)
    for (const model of models) {
      const credits: ChannelCredits | null = replicate.paths.length ? attributeModel(replicate, model, options) : null
      conversions.fill(0)
      value.fill(0)
      prepared.channels.forEach((channel, i) => {
        const credit = credits?.get(channel)
        conversions[into[i]!]! += credit?.conversions ?? 0
        value[into[i]!]! += credit?.value ?? 0
      })
      channels.forEach((_, i) => {
        samples[model][i]!.conversions.push(conversions[i]!)
        samples[model][i]!.value.push(value[i]!)
      })
    }
  }
  const tail = (1 - level) / 2
  const interval = (xs: number[]): Interval => {
    const sorted = xs.sort((a, b) => a - b)
    return { low: quantile(sorted, tail), high: quantile(sorted, 1 - tail) }
  }
  const byModel = (model: AttributionModel): ReadonlyMap<string, CreditInterval> =>
    !models.includes(model) ? new Map() : new Map(channels.map((channel, i) => [channel, { conversions: interval(samples[model][i]!.conversions), value: interval(samples[model][i]!.value) }]))
  return {
    firstTouch: byModel('firstTouch'),
    lastTouch: byModel('lastTouch'),
    lastNonDirect: byModel('lastNonDirect'),
    linear: byModel('linear'),
    timeDecay: byModel('timeDecay'),
    positionBased: byModel('positionBased'),
    markov: byModel('markov'),
    shapley: byModel('shapley'),
  }
}
