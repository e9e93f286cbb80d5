import { describe, expect, it } from 'vitest'
import { type ConversionPath, AttributionInputError, preparePaths } from './paths'

describe('preparePaths', () => {
  it('merges equal paths, trims channel names and lists the channels in a fixed order', () => {
    const prepared = preparePaths([
      { channels: ['douyin', ' autohome '], conversions: 1, value: 10 },
      { channels: ['walk_in'], conversions: 0, nulls: 3 },
      { channels: ['douyin', 'autohome'], conversions: 2, value: 5, nulls: 1 },
    ])
    expect(prepared.channels).toEqual(['autohome', 'douyin', 'walk_in'])
    expect(prepared.paths).toEqual([
      { channels: ['douyin', 'autohome'], touchedAt: null, convertedAt: null, conversions: 3, value: 15, nulls: 1 },
      { channels: ['walk_in'], touchedAt: null, convertedAt: null, conversions: 0, value: 0, nulls: 3 },
    ])
    expect(prepared.totals).toEqual({ paths: 2, conversions: 3, value: 15, nulls: 4 })
  })

  it('keeps only the last touches within the lookback, then merges what became equal', () => {
    const prepared = preparePaths(
      [
        { channels: ['A', 'B', 'C'], touchedAt: [1, 2, 3], convertedAt: 4, conversions: 1 },
        { channels: ['X', 'B', 'C'], conversions: 1 },
        { channels: ['C', 'B', 'C'], conversions: 2 },
        { channels: ['C'], conversions: 1 },
      ],
      { lookback: 2 },
    )
    expect(prepared.paths.map((p) => [p.channels.join('>'), p.touchedAt, p.conversions])).toEqual([
      ['B>C', [2, 3], 1],
      ['B>C', null, 3],
      ['C', null, 1],
    ])
    // X and A fell out of every path: they are no longer channels of this data
    expect(prepared.channels).toEqual(['B', 'C'])
  })

  it('puts paths in one order whatever order they come in', () => {
    const paths: ConversionPath[] = [
      { channels: ['b'], conversions: 1 },
      { channels: ['a', 'b'], conversions: 0, nulls: 2 },
      { channels: ['a'], conversions: 1, value: 3 },
      { channels: ['a'], conversions: 1, value: 1 },
    ]
    expect(preparePaths([...paths].reverse())).toEqual(preparePaths(paths))
  })

  it('tells channel names apart whatever characters they hold', () => {
    const prepared = preparePaths([
      { channels: ['a,b'], conversions: 1 },
      { channels: ['a', 'b'], conversions: 1 },
    ])
    expect(prepared.paths).toHaveLength(2)
  })

  const refusals: Array<[string, ConversionPath, RegExp]> = [
    ['an empty path', { channels: [], conversions: 1 }, /at least one touch/],
    ['a blank channel', { channels: ['A', ' '], conversions: 1 }, /no channel name/],
    ['negative conversions', { channels: ['A'], conversions: -1 }, /conversions must be a number ≥ 0/],
    ['conversions that are not a number', { channels: ['A'], conversions: Number.NaN }, /conversions must be a number ≥ 0/],
    ['negative nulls', { channels: ['A'], conversions: 0, nulls: -2 }, /nulls must be a number ≥ 0/],
    ['an infinite value', { channels: ['A'], conversions: 1, value: Infinity }, /value must be a number/],
    ['value without conversions', { channels: ['A'], conversions: 0, value: 5 }, /value on a path without conversions/],
    ['times that do not match the touches', { channels: ['A', 'B'], touchedAt: [1], convertedAt: 2, conversions: 1 }, /one time per touch/],
    ['touches out of time order', { channels: ['A', 'B'], touchedAt: [2, 1], convertedAt: 3, conversions: 1 }, /time order/],
    ['a conversion before the last touch', { channels: ['A', 'B'], touchedAt: [1, 5], convertedAt: 3, conversions: 1 }, /earlier than the last touch/],
    ['a converted path with times but no conversion time', { channels: ['A'], touchedAt: [1], conversions: 1 }, /needs the conversion time/],
    ['a conversion time without touch times', { channels: ['A'], convertedAt: 1, conversions: 1 }, /without touch times/],
  ]
  for (const [name, path, message] of refusals) {
    it(`refuses ${name}, naming the path`, () => {
      const attempt = () => preparePaths([{ channels: ['ok'], conversions: 1 }, path])
      expect(attempt).toThrow(AttributionInputError)
      expect(attempt).toThrow(message)
      expect(attempt).toThrow(/^path 2: /)
    })
  }

  it('refuses a lookback that is not a whole number of touches', () => {
    expect(() => preparePaths([], { lookback: 0 })).toThrow(/lookback/)
    expect(() => preparePaths([], { lookback: 1.5 })).toThrow(/lookback/)
  })

  it('accepts a path that never converted without a conversion time', () => {
    expect(preparePaths([{ channels: ['A'], touchedAt: [1], conversions: 0, nulls: 1 }]).paths[0]).toMatchObject({ touchedAt: [1], convertedAt: null })
  })
})
