import { type AbsorbingChain, removalProbabilities } from './absorption'
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
 * - Solution (./absorption.ts, `removalProbabilities`): exact linear algebra, never a
 *   simulation. The chain falls apart into components (with campaigns as channels, one per
 *   store, whose journeys touch only that store's campaigns); removing a channel changes
 *   only the components that hold one of its states, and the conversions it loses there
 *   come from the inverse of each small component (factored once, then a few of its entries
 *   per channel: the Schur complement) or, for a large sparse one, from one elimination of
 *   that component per channel. The effect is the conversions lost over P(conversion),
 *   taken as that quotient rather than as 1 minus a ratio of two totals.
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

function grown<T extends Int32Array | Float64Array>(from: T, to: T): T {
  to.set(from)
  return to
}

/**
 * Whole numbers below 2^53 → state numbers: open addressing with linear probing on typed
 * arrays, no object per state (a Map took ~40% of the time of an order-2 chain of 100,000 states).
 */
class StateTable {
  private keys = new Float64Array(1024)
  private states = new Int32Array(1024).fill(-1)
  private size = 0

  /** The state of `key`, or `next` when the key is new (it is then recorded as `next`). */
  stateOf(key: number, next: number): number {
    let mask = this.states.length - 1
    let slot = StateTable.hash(key) & mask
    for (;;) {
      const state = this.states[slot]!
      if (state < 0) break
      if (this.keys[slot] === key) return state
      slot = (slot + 1) & mask
    }
    this.keys[slot] = key
    this.states[slot] = next
    if (++this.size * 2 > this.states.length) {
      const keys = this.keys
      const states = this.states
      this.keys = new Float64Array(2 * keys.length)
      this.states = new Int32Array(2 * states.length).fill(-1)
      mask = this.states.length - 1
      for (let i = 0; i < states.length; i++) {
        if (states[i]! < 0) continue
        let to = StateTable.hash(keys[i]!) & mask
        while (this.states[to]! >= 0) to = (to + 1) & mask
        this.keys[to] = keys[i]!
        this.states[to] = states[i]!
      }
    }
    return next
  }

  private static hash(key: number): number {
    // the low and high 32 bits, mixed (murmur3's finalizer)
    let h = (key >>> 0) ^ Math.imul((key / 4294967296) | 0, 0x9e3779b1)
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    return h ^ (h >>> 16)
  }
}

/**
 * The chain of the paths, states numbered in the order the canonical paths first reach them.
 *
 * A state is found by a numeric key (its channel ids + 1 as the digits of a number in base
 * channels + 1, so that a shorter state never shares a key with a longer one) while that
 * number is exact in a double, by text otherwise. The transitions are gathered as one list in
 * path order and sorted by (from, to) with two stable counting sorts, so that each count is
 * summed in path order: the same sums, to the bit, as adding them into one map per state.
 */
export function markovChain(prepared: PreparedPaths, order: MarkovOrder, includeNulls: boolean): MarkovChain {
  const channelId = new Map(prepared.channels.map((name, id) => [name, id]))
  const digits = prepared.channels.length + 1
  const numericKeys = digits ** order <= Number.MAX_SAFE_INTEGER
  // keys below 2^20 (an order-1 chain of up to a million channels) index an array, larger ones the table
  const direct = numericKeys && digits ** order <= 1 << 20 ? new Int32Array(digits ** order).fill(-1) : null
  const table = new StateTable()
  const textStates = new Map<string, number>()
  const stateChannels: number[][] = []
  // per state, grown by doubling: conversions and nulls at the end of a path, journeys starting there
  let conversions = new Float64Array(1024)
  let nulls = new Float64Array(1024)
  let started = new Float64Array(1024)
  // transitions between states, one entry per path and step, in path order (sized for two
  // steps per path, more than paths of a few touches take, so that it seldom grows)
  const capacity = Math.max(1024, 2 * prepared.paths.length)
  let from = new Int32Array(capacity)
  let to = new Int32Array(capacity)
  let journeysOf = new Float64Array(capacity)
  let steps = 0

  let ids = new Int32Array(16)
  for (const path of prepared.paths) {
    const journeys = path.conversions + (includeNulls ? path.nulls : 0)
    if (journeys === 0) continue
    const length = path.channels.length
    if (ids.length < length) ids = new Int32Array(2 * length)
    for (let i = 0; i < length; i++) ids[i] = channelId.get(path.channels[i]!)!
    // sliding windows of `order` touches, or the whole path when it is shorter
    const width = Math.min(order, length)
    let previous = -1
    for (let w = 0; w + width <= length; w++) {
      const next = stateChannels.length
      let state: number
      if (numericKeys) {
        let key = 0
        for (let i = w; i < w + width; i++) key = key * digits + ids[i]! + 1
        if (direct) {
          state = direct[key]!
          if (state < 0) state = direct[key] = next
        } else state = table.stateOf(key, next)
      } else {
        const key = ids.subarray(w, w + width).join(',')
        state = textStates.get(key) ?? next
        if (state === next) textStates.set(key, next)
      }
      if (state === next) {
        // the distinct channels of the window, in order of first touch
        const held: number[] = []
        for (let i = w; i < w + width; i++) if (!held.includes(ids[i]!)) held.push(ids[i]!)
        stateChannels.push(held)
        if (next === conversions.length) {
          conversions = grown(conversions, new Float64Array(2 * next))
          nulls = grown(nulls, new Float64Array(2 * next))
          started = grown(started, new Float64Array(2 * next))
        }
      }
      if (previous < 0) started[state]! += journeys
      else if (state !== previous) {
        if (steps === from.length) {
          from = grown(from, new Int32Array(2 * steps))
          to = grown(to, new Int32Array(2 * steps))
          journeysOf = grown(journeysOf, new Float64Array(2 * steps))
        }
        from[steps] = previous
        to[steps] = state
        journeysOf[steps++] = journeys
      }
      previous = state
    }
    conversions[previous]! += path.conversions
    if (includeNulls) nulls[previous]! += path.nulls
  }

  const n = stateChannels.length
  // stable counting sort by target, then by source: steps ordered by (from, to, path order)
  const byTo = new Int32Array(steps)
  const next = new Int32Array(n + 1)
  for (let e = 0; e < steps; e++) next[to[e]! + 1]!++
  for (let s = 0; s < n; s++) next[s + 1]! += next[s]!
  for (let e = 0; e < steps; e++) byTo[next[to[e]!]!++] = e
  const sorted = new Int32Array(steps)
  next.fill(0)
  for (let e = 0; e < steps; e++) next[from[e]! + 1]!++
  for (let s = 0; s < n; s++) next[s + 1]! += next[s]!
  for (let k = 0; k < steps; k++) {
    const e = byTo[k]!
    sorted[next[from[e]!]!++] = e
  }
  // merge the steps of one (from, to) into one transition, summing in path order
  const rowStart = new Int32Array(n + 1)
  const target = new Int32Array(steps)
  const probability = new Float64Array(steps)
  let edges = 0
  for (let s = 0, k = 0; s < n; s++) {
    rowStart[s] = edges
    // after the sort, next[s] is where row s ends
    for (; k < next[s]!; k++) {
      const e = sorted[k]!
      if (edges > rowStart[s]! && target[edges - 1] === to[e]) probability[edges - 1]! += journeysOf[e]!
      else {
        target[edges] = to[e]!
        probability[edges++] = journeysOf[e]!
      }
    }
  }
  rowStart[n] = edges
  const toConversion = new Float64Array(n)
  const toNull = new Float64Array(n)
  for (let s = 0; s < n; s++) {
    let total = conversions[s]! + nulls[s]!
    for (let e = rowStart[s]!; e < rowStart[s + 1]!; e++) total += probability[e]!
    for (let e = rowStart[s]!; e < rowStart[s + 1]!; e++) probability[e]! /= total
    toConversion[s] = conversions[s]! / total
    toNull[s] = nulls[s]! / total
  }
  let startTotal = 0
  let startCount = 0
  for (let s = 0; s < n; s++) {
    if (started[s]! > 0) {
      startTotal += started[s]!
      startCount++
    }
  }
  const startTarget = new Int32Array(startCount)
  const startProbability = new Float64Array(startCount)
  for (let s = 0, i = 0; s < n; s++) {
    if (started[s]! > 0) {
      startTarget[i] = s
      startProbability[i++] = started[s]! / startTotal
    }
  }
  return {
    stateCount: n,
    rowStart,
    target: target.slice(0, edges),
    probability: probability.slice(0, edges),
    toConversion,
    toNull,
    startTarget,
    startProbability,
    stateChannels,
  }
}

export function markovModel(prepared: PreparedPaths, options: MarkovOptions = {}): MarkovResult {
  const order = options.order ?? DEFAULT_MARKOV_ORDER
  if (order !== 1 && order !== 2 && order !== 3) throw new AttributionInputError(`the Markov order must be 1, 2 or 3, not ${String(order)}`)
  const includeNulls = options.includeNulls ?? true
  const chain = markovChain(prepared, order, includeNulls)

  // the states that hold each channel: removing the channel removes them
  const statesOfChannel: number[][] = prepared.channels.map(() => [])
  chain.stateChannels.forEach((ids, state) => {
    for (const id of ids) statesOfChannel[id]!.push(state)
  })
  const { base, lost } = removalProbabilities(chain, statesOfChannel)
  const removalEffects = new Map<string, number>()
  prepared.channels.forEach((channel, id) => {
    // removal only sends journeys to null, so 0 ≤ lost ≤ base; clamp rounding outside [0, 1]
    removalEffects.set(channel, base > 0 ? Math.min(1, Math.max(0, lost[id]! / base)) : 0)
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
