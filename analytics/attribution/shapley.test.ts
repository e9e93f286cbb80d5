import { describe, expect, it } from 'vitest'
import { type ChannelCredits, type ConversionPath, preparePaths } from './paths'
import { path, randomPaths, round, rows } from './test-support'
import { shapleyValue } from './shapley'


/**
 * The textbook Shapley value, straight from the definition: φ_j = Σ over coalitions S without
 * j of |S|! (n − |S| − 1)! / n! · (v(S ∪ {j}) − v(S)), with v(S) the conversions (or value)
 * of the paths whose channel set lies within S. Exponential: for checking only.
 */
function shapleyByDefinition(paths: readonly ConversionPath[], measure: 'conversions' | 'value') {
  const prepared = preparePaths(paths)
  const players = prepared.channels
  const n = players.length
  const sets = prepared.paths.map((p) => ({ mask: p.channels.reduce((m, c) => m | (1 << players.indexOf(c)), 0), worth: p[measure] }))
  const v = (coalition: number) => sets.reduce((sum, s) => ((s.mask & ~coalition) === 0 ? sum + s.worth : sum), 0)
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1))
  const bits = (mask: number) =>
    mask
      .toString(2)
      .split('')
      .filter((b) => b === '1').length
  return players.map((_, j) => {
    let phi = 0
    for (let s = 0; s < 1 << n; s++) {
      if (s & (1 << j)) continue
      const k = bits(s)
      phi += ((factorial(k) * factorial(n - k - 1)) / factorial(n)) * (v(s | (1 << j)) - v(s))
    }
    return phi
  })
}

describe('the Shapley value', () => {
  it('on two channels, worked by hand', () => {
    const paths = [path('A', 3, 30), path('A>B', 4, 80), path('B', 1, 10), path('B>A>B', 0, 0, 9)]
    // v(∅) = 0, v({A}) = 3, v({B}) = 1, v({A,B}) = 3 + 4 + 1 = 8 (the failing path adds nothing).
    // Two orders of arrival, each with weight 1/2:
    //   φ_A = 1/2 · (v({A}) − v(∅)) + 1/2 · (v({A,B}) − v({B})) = 1/2 · 3 + 1/2 · 7 = 5
    //   φ_B = 1/2 · (v({B}) − v(∅)) + 1/2 · (v({A,B}) − v({A})) = 1/2 · 1 + 1/2 · 5 = 3
    // Value: v({A}) = 30, v({B}) = 10, v({A,B}) = 120 → φ_A = 15 + 55 = 70, φ_B = 5 + 45 = 50.
    // The simplified form agrees: A = 3 + 4/2 = 5, B = 1 + 4/2 = 3; value A = 30 + 40, B = 10 + 40.
    expect(rows(shapleyValue(preparePaths(paths)))).toEqual([
      ['A', 5, 70],
      ['B', 3, 50],
    ])
  })

  it('on three channels, worked by hand', () => {
    const paths = [path('A', 6, 60), path('A>B', 4, 40), path('B>C', 2, 20), path('A>B>C>B', 3, 90), path('C', 1, 10)]
    // v: A 6, B 0, C 1, AB 6+4 = 10, AC 6+1 = 7, BC 2+1 = 3, ABC 16.
    // Weights for three players: 1/3 joining the empty coalition, 1/6 a coalition of one, 1/3 of two.
    //   φ_A = 1/3 · 6 + 1/6 · (10 − 0) + 1/6 · (7 − 1) + 1/3 · (16 − 3) = 2 + 5/3 + 1 + 13/3 = 9
    //   φ_B = 1/3 · 0 + 1/6 · (10 − 6) + 1/6 · (3 − 1) + 1/3 · (16 − 7) = 2/3 + 1/3 + 3 = 4
    //   φ_C = 1/3 · 1 + 1/6 · (7 − 6) + 1/6 · (3 − 0) + 1/3 · (16 − 10) = 1/3 + 1/6 + 1/2 + 2 = 3
    // Value (v: A 60, B 0, C 10, AB 100, AC 70, BC 30, ABC 220):
    //   φ_A = 20 + 100/6 + 60/6 + 190/3 = 110, φ_B = 0 + 40/6 + 20/6 + 150/3 = 60,
    //   φ_C = 10/3 + 10/6 + 30/6 + 120/3 = 50.
    // The path A>B>C>B counts its channels once each: 3 / 3 = 1 and 90 / 3 = 30 to A, B and C.
    expect(rows(shapleyValue(preparePaths(paths)))).toEqual([
      ['A', 9, 110],
      ['B', 4, 60],
      ['C', 3, 50],
    ])
  })

  it('equals the definition over every coalition on random paths', () => {
    const paths = randomPaths(7, { paths: 80, channels: 6, maxTouches: 6 })
    const credits = [...shapleyValue(preparePaths(paths)).values()]
    const conversions = shapleyByDefinition(paths, 'conversions')
    const value = shapleyByDefinition(paths, 'value')
    credits.forEach((credit, i) => {
      expect(credit.conversions).toBeCloseTo(conversions[i]!, 9)
      expect(credit.value).toBeCloseTo(value[i]!, 6)
    })
  })

  it('does not depend on the order of touches or on non-converting journeys', () => {
    const a = shapleyValue(preparePaths([path('A>B>C', 2, 20), path('C', 1, 5, 7)]))
    const b = shapleyValue(preparePaths([path('C>B>A', 2, 20), path('C', 1, 5, 0), path('B', 0, 0, 50)]))
    // A>B>C (or C>B>A): 2 / 20 split three ways; C alone: 1 / 5 to C
    expect(rows(a)).toEqual(rows(b))
    expect(rows(b)).toEqual([
      ['A', round(2 / 3), round(20 / 3)],
      ['B', round(2 / 3), round(20 / 3)],
      ['C', round(5 / 3), round(5 + 20 / 3)],
    ])
  })

  it('stays linear in the input with many channels', () => {
    // 40 channels: 2^40 coalitions by definition, one pass over the paths here
    const paths = randomPaths(3, { paths: 2000, channels: 40, goOn: 0.8, maxTouches: 20 })
    const prepared = preparePaths(paths)
    const credits = shapleyValue(prepared)
    expect(credits.size).toBe(prepared.channels.length)
    let sum = 0
    for (const credit of credits.values()) sum += credit.conversions
    expect(sum).toBeCloseTo(prepared.totals.conversions, 9)
  })
})
