import { type AbsorbingChain, AbsorptionSolver } from './absorption'
import { type ChannelCredits, type PreparedPaths, AttributionInputError, emptyCredits } from './paths'

/**
 * The data-driven Markov model with removal effects, as ChannelAttribution's `markov_model`
 * defines it (Altomare & Loris, R package ChannelAttribution; ADR 021), solved exactly.
 *
 * - States: for order 1 the channels; for order k the k-tuples of consecutive touches of a
 *   path (its sliding windows), a path shorter than k being one state of its whole length.
 *   Plus start, conversion and null.
 * - Transitions: each path adds its journeys (conversions + nulls, or conversions alone
 *   without nulls) to start → first state → … → last state, then its conversions to last →
 *   conversion and its nulls to last → null; probabilities are the counts over each state's
 *   total. A state repeated in a row (A > A) is one visit, as ChannelAttribution reads it;
 *   a self-loop would not change where a journey ends anyway.
 * - Removal of a channel: every transition into a state that holds it goes to null. The
 *   removal effect is 1 − P(conversion | removed) / P(conversion), the share of converting
 *   journeys that pass through the channel.
 * - Credits: total conversions × removal effect / sum of removal effects; the total value is
 *   shared by the same shares (ChannelAttribution simulates value apart; ADR 021 says why not).
 */
export type MarkovOrder = 1 | 2 | 3

export type MarkovOptions = {
  /** 1 (default), 2 or 3: how many touches a state remembers */
  order?: MarkovOrder
  /** count the journeys that did not convert (default true) */
  includeNulls?: boolean
}

export type MarkovResult = {
  credits: ChannelCredits
  /** per channel, 1 − P(conversion without it) / P(conversion), in [0, 1] */
  removalEffects: ReadonlyMap<string, number>
  /** P(conversion) of a journey leaving the start: the conversion rate the chain reproduces */
  conversionProbability: number
  /** transient states of the chain (start, conversion and null not counted) */
  states: number
}

export const DEFAULT_MARKOV_ORDER: MarkovOrder = 1

export type MarkovChain = AbsorbingChain & {
  /** the distinct channels each state holds, as indexes into `PreparedPaths.channels` */
  readonly stateChannels: ReadonlyArray<readonly number[]>
}

/** The chain of the paths, states numbered in the order the canonical paths first reach them. */
export function markovChain(prepared: PreparedPaths, order: MarkovOrder, includeNulls: boolean): MarkovChain {
  const channelId = new Map(prepared.channels.map((name, id) => [name, id]))
  const stateId = new Map<string, number>()
  const stateChannels: number[][] = []
  const transitions: Array<Map<number, number>> = []
  const conversions: number[] = []
  const nulls: number[] = []
  const start = new Map<number, number>()
  const add = (row: Map<number, number>, to: number, count: number) => row.set(to, (row.get(to) ?? 0) + count)

  const stateOf = (ids: readonly number[]) => {
    const key = ids.join(',')
    let id = stateId.get(key)
    if (id === undefined) {
      id = stateChannels.length
      stateId.set(key, id)
      stateChannels.push([...new Set(ids)])
      transitions.push(new Map())
      conversions.push(0)
      nulls.push(0)
    }
    return id
  }

  for (const path of prepared.paths) {
    const journeys = path.conversions + (includeNulls ? path.nulls : 0)
    if (journeys === 0) continue
    const ids = path.channels.map((name) => channelId.get(name)!)
    const states: number[] = []
    if (ids.length < order) states.push(stateOf(ids))
    else for (let i = 0; i + order <= ids.length; i++) states.push(stateOf(ids.slice(i, i + order)))
    add(start, states[0]!, journeys)
    for (let i = 1; i < states.length; i++) {
      if (states[i] !== states[i - 1]) add(transitions[states[i - 1]!]!, states[i]!, journeys)
    }
    const last = states[states.length - 1]!
    conversions[last]! += path.conversions
    if (includeNulls) nulls[last]! += path.nulls
  }

  const n = stateChannels.length
  const rowStart = new Int32Array(n + 1)
  for (let s = 0; s < n; s++) rowStart[s + 1] = rowStart[s]! + transitions[s]!.size
  const target = new Int32Array(rowStart[n]!)
  const probability = new Float64Array(rowStart[n]!)
  const toConversion = new Float64Array(n)
  const toNull = new Float64Array(n)
  for (let s = 0; s < n; s++) {
    const row = [...transitions[s]!].sort((a, b) => a[0] - b[0])
    let total = conversions[s]! + nulls[s]!
    for (const [, count] of row) total += count
    let e = rowStart[s]!
    for (const [to, count] of row) {
      target[e] = to
      probability[e++] = count / total
    }
    toConversion[s] = conversions[s]! / total
    toNull[s] = nulls[s]! / total
  }
  const startRow = [...start].sort((a, b) => a[0] - b[0])
  let startTotal = 0
  for (const [, count] of startRow) startTotal += count
  return {
    stateCount: n,
    rowStart,
    target,
    probability,
    toConversion,
    toNull,
    startTarget: Int32Array.from(startRow, ([to]) => to),
    startProbability: Float64Array.from(startRow, ([, count]) => count / startTotal),
    stateChannels,
  }
}

export function markovModel(prepared: PreparedPaths, options: MarkovOptions = {}): MarkovResult {
  const order = options.order ?? DEFAULT_MARKOV_ORDER
  if (order !== 1 && order !== 2 && order !== 3) throw new AttributionInputError(`the Markov order must be 1, 2 or 3, not ${String(order)}`)
  const includeNulls = options.includeNulls ?? true
  const chain = markovChain(prepared, order, includeNulls)
  const solver = new AbsorptionSolver(chain)
  const base = solver.conversionProbability()

  // the states that hold each channel, so that removing it is one pass over a mask
  const statesOfChannel: number[][] = prepared.channels.map(() => [])
  chain.stateChannels.forEach((ids, state) => {
    for (const id of ids) statesOfChannel[id]!.push(state)
  })
  const removalEffects = new Map<string, number>()
  const kept = new Uint8Array(chain.stateCount)
  prepared.channels.forEach((channel, id) => {
    let effect = 0
    const holding = statesOfChannel[id]!
    if (base > 0 && holding.length > 0) {
      kept.fill(1)
      for (const s of holding) kept[s] = 0
      const without = solver.conversionProbability(kept)
      // removal only sends journeys to null, so without ≤ base; clamp rounding below 0
      effect = Math.min(1, Math.max(0, 1 - without / base))
    }
    removalEffects.set(channel, effect)
  })

  let sum = 0
  for (const effect of removalEffects.values()) sum += effect
  const credits = emptyCredits(prepared.channels)
  if (sum > 0) {
    for (const [channel, effect] of removalEffects) {
      const share = effect / sum
      const credit = credits.get(channel)!
      credit.conversions = prepared.totals.conversions * share
      credit.value = prepared.totals.value * share
    }
  }
  return { credits, removalEffects, conversionProbability: base, states: chain.stateCount }
}
