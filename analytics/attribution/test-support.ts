import type { ChannelCredits, ConversionPath } from './paths'
import { seededRandom } from './random'

export { seededRandom }

export type RandomPathOptions = {
  paths: number
  channels: number
  /** probability that a path goes on for another touch (default 0.6) */
  goOn?: number
  maxTouches?: number
  /** only distinct paths (default false) */
  distinct?: boolean
  /** add touch and conversion times (default false) */
  withTimes?: boolean
}

/**
 * Synthetic conversion paths for the engine's tests and timings: a pure function of the seed,
 * so a failing case can be replayed. Channel popularity falls off as 1/rank (a few portals
 * bring most touches, as in a store's data); path lengths are geometric.
 */
export function randomPaths(seed: number, options: RandomPathOptions): ConversionPath[] {
  const random = seededRandom(seed)
  const names = Array.from({ length: options.channels }, (_, i) => `channel_${String(i).padStart(2, '0')}`)
  const weights = names.map((_, i) => 1 / (i + 1))
  const totalWeight = weights.reduce((a, b) => a + b, 0)
  const pick = () => {
    let r = random() * totalWeight
    for (let i = 0; i < names.length; i++) {
      r -= weights[i]!
      if (r <= 0) return names[i]!
    }
    return names[names.length - 1]!
  }
  const goOn = options.goOn ?? 0.6
  const maxTouches = options.maxTouches ?? 12
  const seen = new Set<string>()
  const paths: ConversionPath[] = []
  let attempts = 0
  while (paths.length < options.paths) {
    if (++attempts > options.paths * 1000) throw new Error('cannot make that many distinct paths')
    let length = 1
    while (length < maxTouches && random() < goOn) length++
    const channels = Array.from({ length }, pick)
    if (options.distinct) {
      const key = JSON.stringify(channels)
      if (seen.has(key)) continue
      seen.add(key)
    }
    const conversions = random() < 0.35 ? 1 + Math.floor(random() * 3) : 0
    const path: ConversionPath = {
      channels,
      conversions,
      value: conversions > 0 ? Math.round(conversions * 20_000 * (0.5 + random())) : 0,
      nulls: Math.floor(random() * 12),
    }
    if (options.withTimes) {
      let t = Date.UTC(2025, 0, 1) + Math.floor(random() * 30) * 86_400_000
      const touchedAt = channels.map(() => (t += Math.floor(random() * 5 * 86_400_000)))
      paths.push({ ...path, touchedAt, convertedAt: t + Math.floor(random() * 86_400_000) })
    } else paths.push(path)
  }
  return paths
}

/** A path written `a>b>c`, for hand-worked examples. */
export const path = (channels: string, conversions: number, value = 0, nulls = 0): ConversionPath => ({
  channels: channels.split('>'),
  conversions,
  value,
  nulls,
})

/** A number rounded to 12 digits, to read as hand arithmetic. */
export const round = (n: number) => Number(n.toPrecision(12))

/** The credits as [channel, conversions, value] rows, rounded to 12 digits. */
export const rows = (credits: ChannelCredits) => [...credits].map(([channel, c]) => [channel, round(c.conversions), round(c.value)])

/**
 * Solves a x = b densely by Gaussian elimination with partial pivoting: the tests' reference
 * for the sparse state elimination of ./absorption.ts. `a` and `b` are overwritten.
 */
export function solveDense(a: number[][], b: number[]): number[] {
  const n = b.length
  for (let k = 0; k < n; k++) {
    let p = k
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[p]![k]!)) p = i
    ;[a[k], a[p]] = [a[p]!, a[k]!]
    ;[b[k], b[p]] = [b[p]!, b[k]!]
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / a[k]![k]!
      for (let j = k; j < n; j++) a[i]![j]! -= f * a[k]![j]!
      b[i]! -= f * b[k]!
    }
  }
  const x = new Array<number>(n).fill(0)
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!
    for (let j = i + 1; j < n; j++) s -= a[i]![j]! * x[j]!
    x[i] = s / a[i]![i]!
  }
  return x
}
