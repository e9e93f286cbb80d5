/**
 * The attribution engine (ADR 021): every model over the same conversion paths, in memory,
 * deterministic. For each model and channel, the conversions and value credited; every
 * model's credits add up to the paths' total conversions and total value.
 */
import {
  firstTouch,
  lastNonDirect,
  lastTouch,
  linear,
  positionBased,
  timeDecay,
  DEFAULT_DIRECT_CHANNEL,
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_HALF_LIFE_TOUCHES,
} from './heuristic'
import { type MarkovOrder, markovModel, DEFAULT_MARKOV_ORDER } from './markov'
import { type ChannelCredits, type ConversionPath, type PathTotals, type PreparedPaths, preparePaths } from './paths'
import { shapleyValue } from './shapley'

export type { AbsorbingChain } from './absorption'
export { AbsorptionSolver } from './absorption'
export type { TimeDecayOptions } from './heuristic'
export {
  firstTouch,
  lastNonDirect,
  lastTouch,
  linear,
  positionBased,
  timeDecay,
  DEFAULT_DIRECT_CHANNEL,
  DEFAULT_HALF_LIFE_DAYS,
  DEFAULT_HALF_LIFE_TOUCHES,
} from './heuristic'
export type { MarkovChain, MarkovOptions, MarkovOrder, MarkovResult } from './markov'
export { markovChain, markovModel, DEFAULT_MARKOV_ORDER } from './markov'
export type { ChannelCredit, ChannelCredits, ConversionPath, PathTotals, PreparedPath, PreparedPaths, PrepareOptions } from './paths'
export { AttributionInputError, preparePaths } from './paths'
export { shapleyValue } from './shapley'

import { ATTRIBUTION_MODELS, type AttributionModel } from './vocabulary'
export { ATTRIBUTION_MODELS, type AttributionModel }

export type AttributionOptions = {
  /** Markov order, 1 (default), 2 or 3 */
  order?: MarkovOrder
  /** let the journeys that did not convert shape the Markov chain (default true) */
  includeNulls?: boolean
  /** the channel last non-direct passes over (default `direct`) */
  directChannel?: string
  /** instead of one channel, the keys last non-direct passes over (for keys of two parts: a medium and a channel) */
  isDirect?: (key: string) => boolean
  /** time decay's half-life for paths with times, in days (default 7) */
  halfLifeDays?: number
  /** time decay's half-life for paths without times, in touches (default 7) */
  halfLifeTouches?: number
  /** keep only the last N touches of each path, for every model */
  lookback?: number
}

export type Attribution = {
  /** every channel of the paths, in code-unit order; each model's credits list them all in this order */
  channels: readonly string[]
  totals: PathTotals
  credits: Record<AttributionModel, ChannelCredits>
  markov: {
    order: MarkovOrder
    includeNulls: boolean
    removalEffects: ReadonlyMap<string, number>
    conversionProbability: number
    states: number
  }
}

/** Every model over the same paths; `options` as `AttributionOptions` (each has a default). */
export function attributeConversions(paths: readonly ConversionPath[], options: AttributionOptions = {}): Attribution {
  return attributePrepared(preparePaths(paths, { lookback: options.lookback }), options)
}

/** Every model over paths already prepared (`options.lookback` was applied by `preparePaths`). */
export function attributePrepared(prepared: PreparedPaths, options: Omit<AttributionOptions, 'lookback'> = {}): Attribution {
  const order = options.order ?? DEFAULT_MARKOV_ORDER
  const includeNulls = options.includeNulls ?? true
  const markov = markovModel(prepared, { order, includeNulls })
  return {
    channels: prepared.channels,
    totals: prepared.totals,
    credits: {
      firstTouch: firstTouch(prepared),
      lastTouch: lastTouch(prepared),
      lastNonDirect: lastNonDirect(prepared, { directChannel: options.directChannel ?? DEFAULT_DIRECT_CHANNEL, isDirect: options.isDirect }),
      linear: linear(prepared),
      timeDecay: timeDecay(prepared, {
        halfLifeDays: options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS,
        halfLifeTouches: options.halfLifeTouches ?? DEFAULT_HALF_LIFE_TOUCHES,
      }),
      positionBased: positionBased(prepared),
      markov: markov.credits,
      shapley: shapleyValue(prepared),
    },
    markov: {
      order,
      includeNulls,
      removalEffects: markov.removalEffects,
      conversionProbability: markov.conversionProbability,
      states: markov.states,
    },
  }
}

/** One model's credits (the others are not computed): for the bootstrap of a page that shows one. */
export function attributeModel(prepared: PreparedPaths, model: AttributionModel, options: Omit<AttributionOptions, 'lookback'> = {}): ChannelCredits {
  switch (model) {
    case 'firstTouch':
      return firstTouch(prepared)
    case 'lastTouch':
      return lastTouch(prepared)
    case 'lastNonDirect':
      return lastNonDirect(prepared, { directChannel: options.directChannel ?? DEFAULT_DIRECT_CHANNEL, isDirect: options.isDirect })
    case 'linear':
      return linear(prepared)
    case 'timeDecay':
      return timeDecay(prepared, { halfLifeDays: options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS, halfLifeTouches: options.halfLifeTouches ?? DEFAULT_HALF_LIFE_TOUCHES })
    case 'positionBased':
      return positionBased(prepared)
    case 'markov':
      return markovModel(prepared, { order: options.order ?? DEFAULT_MARKOV_ORDER, includeNulls: options.includeNulls ?? true }).credits
    case 'shapley':
      return shapleyValue(prepared)
  }
}
