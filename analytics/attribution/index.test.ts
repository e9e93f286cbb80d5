import { describe, expect, it } from 'vitest'
import { type Attribution, type AttributionOptions, ATTRIBUTION_MODELS, attributeConversions } from './index'
import { type ConversionPath } from './paths'
import { randomPaths, seededRandom } from './test-support'

/** |a − b| within 1e-9 of the larger magnitude (and absolutely near 0). */
const expectNear = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)))

function expectCreditsAddUp(result: Attribution) {
  for (const model of ATTRIBUTION_MODELS) {
    const credits = result.credits[model]
    expect([...credits.keys()]).toEqual(result.channels)
    let conversions = 0
    let value = 0
    for (const credit of credits.values()) {
      expect(credit.conversions).toBeGreaterThanOrEqual(0)
      conversions += credit.conversions
      value += credit.value
    }
    expectNear(conversions, result.totals.conversions)
    expectNear(value, result.totals.value)
  }
}

/** Every number of a result, in order, for comparing bit for bit. */
const numbers = (result: Attribution) => [
  ...ATTRIBUTION_MODELS.flatMap((model) => [...result.credits[model]].flatMap(([channel, c]) => [channel, c.conversions, c.value])),
  ...[...result.markov.removalEffects].flat(),
  result.markov.conversionProbability,
]

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed)
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy
}

const settings: AttributionOptions[] = [
  { order: 1 },
  { order: 2, includeNulls: false },
  { order: 3, lookback: 4, halfLifeTouches: 2 },
  { order: 2, directChannel: 'channel_00', halfLifeDays: 3 },
]

describe('every model', () => {
  for (let seed = 1; seed <= 12; seed++) {
    const options = settings[seed % settings.length]!
    const paths = randomPaths(seed, { paths: 150 + seed * 10, channels: 3 + (seed % 8), withTimes: seed % 3 === 0 })
    it(`adds up to the total conversions and value, every channel listed (random paths, seed ${seed}, ${JSON.stringify(options)})`, () => {
      expectCreditsAddUp(attributeConversions(paths, options))
    })
  }

  it('gives the same answer, to the last bit, every time and whatever the order of the paths', () => {
    for (let seed = 20; seed < 26; seed++) {
      const paths = randomPaths(seed, { paths: 300, channels: 8, withTimes: seed % 2 === 0 })
      const options = settings[seed % settings.length]!
      const first = numbers(attributeConversions(paths, options))
      expect(numbers(attributeConversions(paths, options))).toStrictEqual(first)
      expect(numbers(attributeConversions(shuffled(paths, seed), options))).toStrictEqual(first)
      expect(numbers(attributeConversions([...paths].reverse(), options))).toStrictEqual(first)
    }
  })

  it('gives the same answer for paths given one by one or aggregated', () => {
    const aggregated: ConversionPath[] = [
      { channels: ['autohome', 'douyin'], conversions: 2, value: 300, nulls: 3 },
      { channels: ['douyin'], conversions: 1, value: 50, nulls: 1 },
    ]
    const oneByOne: ConversionPath[] = [
      { channels: ['autohome', 'douyin'], conversions: 1, value: 100 },
      { channels: ['douyin'], conversions: 0, nulls: 1 },
      { channels: ['autohome', 'douyin'], conversions: 1, value: 200 },
      { channels: ['autohome', 'douyin'], conversions: 0, nulls: 3 },
      { channels: ['douyin'], conversions: 1, value: 50 },
    ]
    expect(numbers(attributeConversions(oneByOne, { order: 2 }))).toStrictEqual(numbers(attributeConversions(aggregated, { order: 2 })))
  })

  it('applies the lookback to every model', () => {
    const result = attributeConversions([{ channels: ['autohome', 'douyin', 'walk_in'], conversions: 1, value: 10 }], { lookback: 2 })
    expect(result.channels).toEqual(['douyin', 'walk_in'])
    expect(result.credits.firstTouch.get('douyin')).toEqual({ conversions: 1, value: 10 })
    expect(result.credits.markov.get('douyin')!.conversions).toBeCloseTo(0.5, 12)
  })

  it('handles no paths at all', () => {
    const result = attributeConversions([])
    expect(result.channels).toEqual([])
    expect(result.totals).toEqual({ paths: 0, conversions: 0, value: 0, nulls: 0 })
    expect(result.markov.conversionProbability).toBe(0)
  })

  it('runs every model on 5,000 distinct paths over 12 channels at order 3', () => {
    // a store-month well above the usual: the chain has some 1,500 states of three touches
    const paths = randomPaths(2025, { paths: 5000, channels: 12, goOn: 0.7, distinct: true })
    const started = performance.now()
    const result = attributeConversions(paths, { order: 3 })
    const elapsed = performance.now() - started
    console.info(`attribution: 5,000 paths, 12 channels, Markov order 3 (${result.markov.states} states): every model in ${elapsed.toFixed(0)} ms`)
    expect(result.channels).toHaveLength(12)
    expect(result.markov.states).toBeGreaterThan(1000)
    expectCreditsAddUp(result)
  }, 120_000)
})
