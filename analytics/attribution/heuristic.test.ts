import { describe, expect, it } from 'vitest'
import { firstTouch, lastNonDirect, lastTouch, linear, positionBased, timeDecay } from './heuristic'
import { type ChannelCredits, type ConversionPath, preparePaths } from './paths'
import { path, round, rows } from './test-support'



const DAY = 86_400_000

describe('first touch and last touch', () => {
  const paths = [
    path('autohome>douyin>walk_in', 2, 300),
    path('douyin', 1, 50),
    // did not convert: credits nothing, but its channels are listed
    path('walk_in>bitauto', 0, 0, 4),
  ]

  it('gives each path to its first touch', () => {
    // autohome: the first path's 2 / 300; douyin: the second's 1 / 50
    expect(rows(firstTouch(preparePaths(paths)))).toEqual([
      ['autohome', 2, 300],
      ['bitauto', 0, 0],
      ['douyin', 1, 50],
      ['walk_in', 0, 0],
    ])
  })

  it('gives each path to its last touch', () => {
    // walk_in: the first path's 2 / 300; douyin: the second's 1 / 50
    expect(rows(lastTouch(preparePaths(paths)))).toEqual([
      ['autohome', 0, 0],
      ['bitauto', 0, 0],
      ['douyin', 1, 50],
      ['walk_in', 2, 300],
    ])
  })
})

describe('last non-direct touch', () => {
  it('passes over direct touches at the end, and credits direct only for a path of direct alone', () => {
    const prepared = preparePaths([
      path('autohome>direct', 1, 100), // → autohome
      path('direct', 1, 10), // only direct → direct
      path('direct>douyin>direct>direct', 2, 200), // → douyin
      path('autohome>douyin>direct', 1, 40), // → douyin
    ])
    // autohome 1 / 100, direct 1 / 10, douyin 2 + 1 = 3 / 200 + 40 = 240
    expect(rows(lastNonDirect(prepared))).toEqual([
      ['autohome', 1, 100],
      ['direct', 1, 10],
      ['douyin', 3, 240],
    ])
    // last touch, for contrast, would give direct 5 of the 5
    expect(lastTouch(prepared).get('direct')).toEqual({ conversions: 5, value: 350 })
  })

  it('takes the direct channel by name', () => {
    const prepared = preparePaths([path('douyin>walk_in', 1, 8), path('walk_in', 1, 2)])
    // walk_in treated as direct: douyin 1 / 8 from the first path, walk_in 1 / 2 (direct alone)
    expect(rows(lastNonDirect(prepared, { directChannel: 'walk_in' }))).toEqual([
      ['douyin', 1, 8],
      ['walk_in', 1, 2],
    ])
    // with the default name `direct` nothing here is direct: plain last touch
    expect(rows(lastNonDirect(prepared))).toEqual([
      ['douyin', 0, 0],
      ['walk_in', 2, 10],
    ])
  })

  it('passes over every key the predicate calls direct (keys of a campaign and a channel)', () => {
    const prepared = preparePaths([path('c1:douyin>c2:direct>c2:direct', 1, 8), path('c2:direct', 1, 2)])
    const credits = lastNonDirect(prepared, { isDirect: (key) => key.endsWith(':direct') })
    expect(rows(credits)).toEqual([
      ['c1:douyin', 1, 8],
      ['c2:direct', 1, 2],
    ])
  })
})

describe('linear', () => {
  it('splits each path equally over its touches, a repeated channel collecting every share', () => {
    const prepared = preparePaths([path('A>B>A>C', 2, 400), path('B', 1, 30)])
    // A>B>A>C: a quarter each of 2 / 400 → A two quarters = 1 / 200, B 0.5 / 100, C 0.5 / 100
    // B: 1 / 30 → B 1.5 / 130
    expect(rows(linear(prepared))).toEqual([
      ['A', 1, 200],
      ['B', 1.5, 130],
      ['C', 0.5, 100],
    ])
  })
})

describe('time decay', () => {
  it('halves a touch’s weight for every half-life between it and the conversion (real times)', () => {
    const prepared = preparePaths([
      // A on day 0, B on day 7, C on day 14, converted on day 14; half-life 7 days:
      // Δt = 14, 7, 0 days → weights 1/4, 1/2, 1 (sum 7/4) → shares 1/7, 2/7, 4/7 of 1 / 700
      { channels: ['A', 'B', 'C'], touchedAt: [0, 7 * DAY, 14 * DAY], convertedAt: 14 * DAY, conversions: 1, value: 700 },
      // D on day 0, E on day 7, converted on day 21: Δt = 21, 14 → weights 1/8, 1/4 → shares 1/3, 2/3 of 3 / 90
      { channels: ['D', 'E'], touchedAt: [0, 7 * DAY], convertedAt: 21 * DAY, conversions: 3, value: 90 },
    ])
    expect(rows(timeDecay(prepared))).toEqual([
      ['A', round(1 / 7), 100],
      ['B', round(2 / 7), 200],
      ['C', round(4 / 7), 400],
      ['D', 1, 30],
      ['E', 2, 60],
    ])
    // half-life 14 days: weights 2^-1, 2^-0.5, 1 for A, B, C
    const sum = 0.5 + Math.SQRT1_2 + 1
    expect(rows(timeDecay(prepared, { halfLifeDays: 14 })).slice(0, 3)).toEqual([
      ['A', round(0.5 / sum), round((700 * 0.5) / sum)],
      ['B', round(Math.SQRT1_2 / sum), round((700 * Math.SQRT1_2) / sum)],
      ['C', round(1 / sum), round(700 / sum)],
    ])
  })

  it('counts touches from the end when a path has no times, the half-life in touches', () => {
    const prepared = preparePaths([path('A>B>C', 1, 70)])
    // half-life 1 touch: C 0 touches back → 1, B 1 → 1/2, A 2 → 1/4; sum 7/4 → 1/7, 2/7, 4/7 of 1 / 70
    expect(rows(timeDecay(prepared, { halfLifeTouches: 1 }))).toEqual([
      ['A', round(1 / 7), 10],
      ['B', round(2 / 7), 20],
      ['C', round(4 / 7), 40],
    ])
    // the default, 7 touches: weights 2^(-2/7), 2^(-1/7), 1
    const w = [2 ** (-2 / 7), 2 ** (-1 / 7), 1]
    const sum = w[0]! + w[1]! + w[2]!
    expect(rows(timeDecay(prepared))).toEqual([
      ['A', round(w[0]! / sum), round((70 * w[0]!) / sum)],
      ['B', round(w[1]! / sum), round((70 * w[1]!) / sum)],
      ['C', round(w[2]! / sum), round((70 * w[2]!) / sum)],
    ])
  })

  it('stays defined when every touch lies far before the conversion', () => {
    // 2^(-10 years / 7 days) underflows to 0; the shares are still 1/3, 2/3
    const YEAR = 365 * DAY
    const prepared = preparePaths([{ channels: ['A', 'B'], touchedAt: [0, 7 * DAY], convertedAt: 10 * YEAR, conversions: 3, value: 3 }])
    expect(rows(timeDecay(prepared))).toEqual([
      ['A', 1, 1],
      ['B', 2, 2],
    ])
  })

  it('refuses a half-life that is not positive', () => {
    expect(() => timeDecay(preparePaths([path('A', 1)]), { halfLifeTouches: 0 })).toThrow(/half-life in touches/)
    expect(() => timeDecay(preparePaths([path('A', 1)]), { halfLifeDays: -1 })).toThrow(/half-life in days/)
  })
})

describe('position-based 40/20/40', () => {
  it('gives one touch everything', () => {
    expect(rows(positionBased(preparePaths([path('A', 1, 10)])))).toEqual([['A', 1, 10]])
  })

  it('splits two touches 50/50', () => {
    expect(rows(positionBased(preparePaths([path('A>B', 1, 10)])))).toEqual([
      ['A', 0.5, 5],
      ['B', 0.5, 5],
    ])
  })

  it('gives three touches 40/20/40', () => {
    expect(rows(positionBased(preparePaths([path('A>B>C', 1, 100)])))).toEqual([
      ['A', 0.4, 40],
      ['B', 0.2, 20],
      ['C', 0.4, 40],
    ])
  })

  it('splits the middle 20 % evenly over five touches', () => {
    // 3 conversions, 300: first and last 40 % → 1.2 / 120; B, C, D 20 % / 3 each → 0.2 / 20
    expect(rows(positionBased(preparePaths([path('A>B>C>D>E', 3, 300)])))).toEqual([
      ['A', 1.2, 120],
      ['B', 0.2, 20],
      ['C', 0.2, 20],
      ['D', 0.2, 20],
      ['E', 1.2, 120],
    ])
  })

  it('adds the first and last shares when one channel is both', () => {
    // A>B>A: A 40 % + 40 %, B 20 %
    expect(rows(positionBased(preparePaths([path('A>B>A', 1, 10)])))).toEqual([
      ['A', 0.8, 8],
      ['B', 0.2, 2],
    ])
  })
})
