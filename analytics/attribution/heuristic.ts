import { type ChannelCredits, type PreparedPath, type PreparedPaths, AttributionInputError, emptyCredits } from './paths'

/**
 * The rule-based models (ADR 021). Each splits every path's conversions and value over its
 * touches by fixed weights; a channel touched twice collects both touches' shares. The
 * conversions and value of a path are credited in full, so each model's credits add up to
 * the input's totals.
 */

/** The weight of each touch of one path; any positive scale, normalised per path. */
type TouchWeights = (path: PreparedPath) => ArrayLike<number>

function creditByTouch(prepared: PreparedPaths, weigh: TouchWeights): ChannelCredits {
  const credits = emptyCredits(prepared.channels)
  for (const path of prepared.paths) {
    if (path.conversions === 0 && path.value === 0) continue
    const weights = weigh(path)
    let sum = 0
    for (let i = 0; i < weights.length; i++) sum += weights[i]!
    for (let i = 0; i < path.channels.length; i++) {
      const share = weights[i]! / sum
      if (share === 0) continue
      const credit = credits.get(path.channels[i]!)!
      credit.conversions += path.conversions * share
      credit.value += path.value * share
    }
  }
  return credits
}

const one = (index: number, length: number) => {
  const weights = new Float64Array(length)
  weights[index] = 1
  return weights
}

/** All credit to the first touch. */
export function firstTouch(prepared: PreparedPaths): ChannelCredits {
  return creditByTouch(prepared, (path) => one(0, path.channels.length))
}

/** All credit to the last touch. */
export function lastTouch(prepared: PreparedPaths): ChannelCredits {
  return creditByTouch(prepared, (path) => one(path.channels.length - 1, path.channels.length))
}

export const DEFAULT_DIRECT_CHANNEL = 'direct'

/**
 * All credit to the last touch that is not the direct channel (typing the address, a
 * bookmark, walking in unprompted: the customer was already won by something earlier). A
 * path of direct touches only credits direct: someone has to get the conversion, and
 * dropping it would break the totals.
 */
export function lastNonDirect(prepared: PreparedPaths, options: { directChannel?: string; isDirect?: (key: string) => boolean } = {}): ChannelCredits {
  const direct = (options.directChannel ?? DEFAULT_DIRECT_CHANNEL).trim()
  if (direct === '') throw new AttributionInputError('the direct channel needs a name')
  const isDirect = options.isDirect ?? ((key: string) => key === direct)
  return creditByTouch(prepared, (path) => {
    let last = path.channels.length - 1
    for (let i = last; i >= 0; i--) {
      if (!isDirect(path.channels[i]!)) {
        last = i
        break
      }
    }
    return one(last, path.channels.length)
  })
}

/** Equal credit to every touch. */
export function linear(prepared: PreparedPaths): ChannelCredits {
  return creditByTouch(prepared, (path) => new Float64Array(path.channels.length).fill(1))
}

export const DEFAULT_HALF_LIFE_DAYS = 7
export const DEFAULT_HALF_LIFE_TOUCHES = 7
const DAY_MS = 86_400_000

export type TimeDecayOptions = {
  /** for paths with times: a touch this many days before the conversion weighs half as much */
  halfLifeDays?: number
  /** for paths without times: a touch this many touches before the last weighs half as much */
  halfLifeTouches?: number
}

function checkHalfLife(name: string, value: number) {
  if (!(Number.isFinite(value) && value > 0)) throw new AttributionInputError(`${name} must be a number > 0, not ${value}`)
}

/**
 * Touch i weighs 2^(−Δtᵢ / half-life), Δtᵢ the time from the touch to the conversion. A path
 * without times (ChannelAttribution's files have none) counts Δt in touches from the end —
 * the last touch 0, the one before 1, … — and the half-life in touches. The weights are taken
 * relative to the latest touch, which does not change the shares but keeps a path whose
 * touches all lie years back from underflowing to 0 / 0.
 */
export function timeDecay(prepared: PreparedPaths, options: TimeDecayOptions = {}): ChannelCredits {
  const halfLifeDays = options.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS
  const halfLifeTouches = options.halfLifeTouches ?? DEFAULT_HALF_LIFE_TOUCHES
  checkHalfLife('the half-life in days', halfLifeDays)
  checkHalfLife('the half-life in touches', halfLifeTouches)
  return creditByTouch(prepared, (path) => {
    const n = path.channels.length
    const weights = new Float64Array(n)
    if (path.touchedAt && path.convertedAt !== null) {
      const latest = path.touchedAt[n - 1]!
      for (let i = 0; i < n; i++) weights[i] = 2 ** (-(latest - path.touchedAt[i]!) / (halfLifeDays * DAY_MS))
    } else {
      for (let i = 0; i < n; i++) weights[i] = 2 ** (-(n - 1 - i) / halfLifeTouches)
    }
    return weights
  })
}

/**
 * Position-based (U-shaped) 40/20/40: 40 % to the first touch, 40 % to the last, 20 % split
 * evenly over the touches between. One touch takes everything; two split 50/50 (there is no
 * middle to give 20 % to).
 */
export function positionBased(prepared: PreparedPaths): ChannelCredits {
  return creditByTouch(prepared, (path) => {
    const n = path.channels.length
    if (n === 1) return [1]
    if (n === 2) return [0.5, 0.5]
    const weights = new Float64Array(n).fill(0.2 / (n - 2))
    weights[0] = 0.4
    weights[n - 1] = 0.4
    return weights
  })
}
