import { describe, expect, it } from 'vitest'
import { bootstrapCredits, quantile, resample } from './bootstrap'
import { attributePrepared, ATTRIBUTION_MODELS } from './index'
import { type ConversionPath, preparePaths } from './paths'
import { poisson, seededRandom } from './random'
import { path, randomPaths } from './test-support'

/**
 * The intervals of ADR 022: a pure function of the paths and the seed, and — what matters to a
 * manager told that a channel "won" — they contain the truth about as often as they say. The
 * truth of a simulated world is known: journeys follow fixed templates with fixed chances of
 * converting, so the credits of infinitely many journeys are every model run on the expected
 * counts (each model is a function of the path frequencies).
 */

const TEMPLATES: Array<{ channels: string; share: number; converts: number; value: number }> = [
  { channels: 'autohome', share: 0.3, converts: 0.1, value: 3000 },
  { channels: 'douyin>autohome', share: 0.2, converts: 0.25, value: 4000 },
  { channels: 'douyin', share: 0.25, converts: 0.04, value: 2000 },
  { channels: 'wechat>direct', share: 0.15, converts: 0.3, value: 5000 },
  { channels: 'autohome>wechat>direct', share: 0.1, converts: 0.35, value: 6000 },
]

/** n journeys of the simulated world, aggregated by template. */
function simulate(seed: number, n: number): ConversionPath[] {
  const random = seededRandom(seed)
  const counts = TEMPLATES.map(() => ({ conversions: 0, nulls: 0 }))
  for (let j = 0; j < n; j++) {
    let r = random()
    let t = 0
    while (t < TEMPLATES.length - 1 && r >= TEMPLATES[t]!.share) r -= TEMPLATES[t++]!.share
    if (random() < TEMPLATES[t]!.converts) counts[t]!.conversions++
    else counts[t]!.nulls++
  }
  return TEMPLATES.map((template, t) => path(template.channels, counts[t]!.conversions, counts[t]!.conversions * template.value, counts[t]!.nulls))
}

const truth = (n: number) =>
  attributePrepared(preparePaths(TEMPLATES.map((t) => path(t.channels, n * t.share * t.converts, n * t.share * t.converts * t.value, n * t.share * (1 - t.converts)))))

describe('bootstrap intervals', () => {
  it('contain the true credit of every model and channel about 90% of the time', () => {
    const n = 600 // about 90 conversions: a small store's month
    const expected = truth(n)
    const trials = 60
    const covered = new Map<string, number>()
    for (let trial = 0; trial < trials; trial++) {
      const prepared = preparePaths(simulate(1000 + trial, n))
      const intervals = bootstrapCredits(prepared, { replicates: 200, seed: trial + 1 })
      for (const model of ATTRIBUTION_MODELS) {
        for (const [channel, credit] of expected.credits[model]) {
          const interval = intervals[model].get(channel)!
          const key = `${model}:${channel}`
          const inside = interval.conversions.low <= credit.conversions && credit.conversions <= interval.conversions.high
          covered.set(key, (covered.get(key) ?? 0) + (inside ? 1 : 0))
        }
      }
    }
    const rates = [...covered].map(([key, hits]) => [key, hits / trials] as const)
    // 90% nominal; with 60 trials a rate below 0.75 happens by chance about once in 5,000
    for (const [key, rate] of rates) expect(rate, key).toBeGreaterThanOrEqual(0.75)
    const mean = rates.reduce((s, [, r]) => s + r, 0) / rates.length
    expect(mean).toBeGreaterThan(0.83)
    expect(mean).toBeLessThan(0.97)
  })

  it('are narrower with more data, and the same for the same paths and seed', () => {
    const small = bootstrapCredits(preparePaths(simulate(7, 300)), { replicates: 100 })
    const large = bootstrapCredits(preparePaths(simulate(7, 30_000)), { replicates: 100 })
    const width = (i: typeof small, m: 'linear' | 'markov') => {
      const c = i[m].get('autohome')!.conversions
      return c.high - c.low
    }
    // relative to the credit, 100× the journeys give about a tenth of the width
    const smallPoint = attributePrepared(preparePaths(simulate(7, 300))).credits.linear.get('autohome')!.conversions
    const largePoint = attributePrepared(preparePaths(simulate(7, 30_000))).credits.linear.get('autohome')!.conversions
    expect(width(large, 'linear') / largePoint).toBeLessThan((width(small, 'linear') / smallPoint) / 4)
    const again = bootstrapCredits(preparePaths(simulate(7, 300)), { replicates: 100 })
    expect(again).toEqual(small)
    expect(bootstrapCredits(preparePaths(simulate(7, 300)), { replicates: 100, seed: 2 })).not.toEqual(small)
  })

  it('list every channel for every model, the value interval following the conversions', () => {
    const prepared = preparePaths(randomPaths(3, { paths: 200, channels: 6 }))
    const intervals = bootstrapCredits(prepared, { replicates: 50 })
    const point = attributePrepared(prepared)
    for (const model of ATTRIBUTION_MODELS) {
      expect([...intervals[model].keys()]).toEqual(prepared.channels)
      for (const [channel, i] of intervals[model]) {
        expect(i.conversions.low).toBeLessThanOrEqual(i.conversions.high)
        expect(i.value.low).toBeLessThanOrEqual(i.value.high)
        // 200 paths, a few hundred conversions: the estimate lies inside its own interval
        const c = point.credits[model].get(channel)!
        expect(c.conversions, `${model} ${channel}`).toBeGreaterThanOrEqual(i.conversions.low - 1e-9)
        expect(c.conversions, `${model} ${channel}`).toBeLessThanOrEqual(i.conversions.high + 1e-9)
      }
    }
  })

  it('sums the credits of the channels of one group in each replicate before taking the interval', () => {
    const input = [path('a1>b', 12, 1200), path('a2>b', 7, 700), path('a1', 5, 500, 3), path('b>a2', 9, 900, 4)]
    const prepared = preparePaths(input)
    const grouped = bootstrapCredits(prepared, { replicates: 100, models: ['linear'], groupBy: (c) => (c.startsWith('a') ? 'a' : c) }).linear
    expect([...grouped.keys()].sort()).toEqual(['a', 'b'])
    // every replicate's credits add up to its conversions: one group of everything is the total's interval
    const all = bootstrapCredits(prepared, { replicates: 100, models: ['linear'], groupBy: () => '*' }).linear.get('*')!
    const random = seededRandom(1)
    const totals = Array.from({ length: 100 }, () => resample(prepared, random).totals.conversions).sort((x, y) => x - y)
    expect(all.conversions.low).toBeCloseTo(quantile(totals, 0.05), 9)
    expect(all.conversions.high).toBeCloseTo(quantile(totals, 0.95), 9)
    // a group's interval is not the sum of its members' intervals (their ups and downs offset)
    const apart = bootstrapCredits(prepared, { replicates: 100, models: ['linear'] }).linear
    const a = grouped.get('a')!.conversions
    expect(a.high - a.low).toBeLessThan(apart.get('a1')!.conversions.high - apart.get('a1')!.conversions.low + apart.get('a2')!.conversions.high - apart.get('a2')!.conversions.low)
  })

  it('refuses a replicate count or level that cannot make an interval', () => {
    const prepared = preparePaths([path('a', 1)])
    expect(() => bootstrapCredits(prepared, { replicates: 1 })).toThrow(/replicates/)
    expect(() => bootstrapCredits(prepared, { level: 1 })).toThrow(/level/)
  })
})

describe('resampling', () => {
  it('keeps the channels and draws each path’s conversions and non-conversions around their counts', () => {
    const prepared = preparePaths([path('a>b', 40, 40 * 500, 400), path('b', 10, 10 * 900, 0)])
    const random = seededRandom(5)
    let conversions = 0
    let value = 0
    let nulls = 0
    const rounds = 2000
    for (let r = 0; r < rounds; r++) {
      const replicate = resample(prepared, random)
      expect(replicate.channels).toEqual(['a', 'b'])
      conversions += replicate.totals.conversions
      value += replicate.totals.value
      nulls += replicate.totals.nulls
      for (const p of replicate.paths) if (p.conversions) expect(p.value / p.conversions).toBe(p.channels.length === 2 ? 500 : 900)
    }
    expect(conversions / rounds).toBeCloseTo(50, 0)
    expect(value / rounds / (40 * 500 + 10 * 900)).toBeCloseTo(1, 1)
    expect(nulls / rounds).toBeCloseTo(400, -1)
  })

  it('draws Poisson counts with the right mean and variance, small and large', () => {
    const random = seededRandom(9)
    for (const lambda of [0.5, 4, 80]) {
      const xs = Array.from({ length: 20_000 }, () => poisson(random, lambda))
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length
      const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length
      expect(mean / lambda, `mean at ${lambda}`).toBeCloseTo(1, 1)
      expect(variance / lambda, `variance at ${lambda}`).toBeCloseTo(1, 1)
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true)
    }
    expect(poisson(random, 0)).toBe(0)
  })

  it('takes quantiles as R’s type 7 does', () => {
    expect(quantile([1, 2, 3, 4], 0.05)).toBeCloseTo(1.15, 12)
    expect(quantile([1, 2, 3, 4], 0.95)).toBeCloseTo(3.85, 12)
    expect(quantile([7], 0.5)).toBe(7)
    expect(quantile([], 0.5)).toBe(0)
  })
})
