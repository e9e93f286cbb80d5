import { describe, expect, it } from 'vitest'
import { firstTouch, lastTouch } from './heuristic'
import { AbsorptionSolver } from './absorption'
import { type MarkovOrder, markovChain, markovModel } from './markov'
import { type ChannelCredits, type ConversionPath, preparePaths } from './paths'
import { path, randomPaths, round, rows, seededRandom, solveDense } from './test-support'

const effects = (map: ReadonlyMap<string, number>) => [...map].map(([channel, e]) => [channel, round(e)])

describe('the ChannelAttribution whitepaper example', () => {
  // A>B>A>B>B>A, A>B>B>A>A, A>A: one conversion each, no nulls
  const paths = [path('A>B>A>B>B>A', 1, 10), path('A>B>B>A>A', 1, 20), path('A>A', 1, 30)]

  it('credits first and last touch A = 3, B = 0', () => {
    const prepared = preparePaths(paths)
    expect(rows(firstTouch(prepared)).map(([c, n]) => [c, n])).toEqual([
      ['A', 3],
      ['B', 0],
    ])
    expect(rows(lastTouch(prepared)).map(([c, n]) => [c, n])).toEqual([
      ['A', 3],
      ['B', 0],
    ])
  })

  it('credits Markov order 1 A = 2, B = 1, with removal effects A = 1, B = 0.5', () => {
    // Transitions counted with the self-transitions kept:
    //   start→A 3; A→B 3, A→A 2, A→conv 3 (A leaves 8 times); B→A 3, B→B 2 (5).
    //   Every journey ends in conversion: P(conv) = 1.
    //   Without A: start→A goes to null, P = 0 → removal effect 1 − 0/1 = 1.
    //   Without B: x_A = 3/8 · 1 + 2/8 · x_A + 3/8 · 0 → x_A = (3/8)/(6/8) = 1/2 → effect 1/2.
    //   (Dropping the self-transitions, as ChannelAttribution reads A>A: A→B 3, A→conv 3, so
    //   x_A = 3/6 = 1/2 — the same: a self-loop only delays.)
    //   Credits: 3 × 1/1.5 = 2 and 3 × 0.5/1.5 = 1; value 60 shared the same: 40 and 20.
    const result = markovModel(preparePaths(paths), { order: 1, includeNulls: false })
    expect(effects(result.removalEffects)).toEqual([
      ['A', 1],
      ['B', 0.5],
    ])
    expect(rows(result.credits)).toEqual([
      ['A', 2, 40],
      ['B', 1, 20],
    ])
    expect(result.conversionProbability).toBe(1)
    // no nulls in the data: counting them or not is the same
    expect(rows(markovModel(preparePaths(paths), { order: 1, includeNulls: true }).credits)).toEqual(rows(result.credits))
  })
})

describe('non-converting paths', () => {
  // A>B converts once (value 100); B converts once and fails once (value 50); A fails twice
  const paths = [path('A>B', 1, 100), path('B', 1, 50, 1), path('A', 0, 0, 2)]

  it('change the Markov credits when counted', () => {
    // With nulls — journeys per path: A>B 1, B 2, A 2:
    //   start→A 3, start→B 2 (of 5); A→B 1, A→null 2 (of 3); B→conv 2, B→null 1 (of 3).
    //   x_B = 2/3, x_A = 1/3 · 2/3 = 2/9; P = 3/5 · 2/9 + 2/5 · 2/3 = 2/15 + 4/15 = 2/5.
    //   Without A: P = 2/5 · 2/3 = 4/15 → effect 1 − (4/15)/(6/15) = 1/3. Without B: P = 0 → 1.
    //   Shares 1/3 : 1 = 1/4 : 3/4 → A 0.5 / 37.5, B 1.5 / 112.5 of 2 conversions / 150.
    const counted = markovModel(preparePaths(paths), { includeNulls: true })
    expect(round(counted.conversionProbability)).toBe(0.4)
    expect(effects(counted.removalEffects)).toEqual([
      ['A', round(1 / 3)],
      ['B', 1],
    ])
    expect(rows(counted.credits)).toEqual([
      ['A', 0.5, 37.5],
      ['B', 1.5, 112.5],
    ])

    // Without nulls — journeys = conversions: A>B 1, B 1, A 0 (drops out):
    //   start→A 1/2, start→B 1/2; A→B 1; B→conv 1. P = 1.
    //   Without A: P = 1/2 → effect 1/2. Without B: 0 → 1.
    //   Shares 1/2 : 1 = 1/3 : 2/3 → A 2/3 / 50, B 4/3 / 100.
    const ignored = markovModel(preparePaths(paths), { includeNulls: false })
    expect(ignored.conversionProbability).toBe(1)
    expect(effects(ignored.removalEffects)).toEqual([
      ['A', 0.5],
      ['B', 1],
    ])
    expect(rows(ignored.credits)).toEqual([
      ['A', round(2 / 3), 50],
      ['B', round(4 / 3), 100],
    ])
  })

  it('credit a channel seen only on failing journeys at order 1 (no memory), not at order 2', () => {
    // C>A fails 3 times. Order 1 — start→A 3, B 2, C 3 (of 8); C→A 3; A→B 1, A→null 2 + 3 (of 6);
    //   B→conv 2, B→null 1. x_B = 2/3, x_A = 1/6 · 2/3 = 1/9, x_C = x_A = 1/9.
    //   P = (3 · 1/9 + 2 · 2/3 + 3 · 1/9)/8 = 1/4; without C: (3 · 1/9 + 2 · 2/3)/8 = 5/24.
    //   Effect of C: 1 − (5/24)/(6/24) = 1/6: a journey at A does not remember coming from C.
    const withC = [...paths, path('C>A', 0, 0, 3)]
    expect(markovModel(preparePaths(withC), { order: 1 }).removalEffects.get('C')).toBeCloseTo(1 / 6, 15)
    // Order 2 — (C,A) is a state of its own that only ever goes to null: removing it loses nothing
    const second = markovModel(preparePaths(withC), { order: 2 })
    expect(second.removalEffects.get('C')).toBe(0)
    expect(second.credits.get('C')).toEqual({ conversions: 0, value: 0 })
  })
})

describe('higher orders', () => {
  // A>C converts, B>C does not, C alone converts once in two
  const paths = [path('A>C', 1, 60), path('B>C', 0, 0, 1), path('C', 1, 40, 1)]

  it('order 1 cannot tell where C came from', () => {
    // start→A 1, start→B 1, start→C 2 (of 4); A→C 1; B→C 1; C→conv 2, C→null 2.
    //   x_C = 1/2, x_A = x_B = 1/2; P = (1/2 + 1/2 + 2 · 1/2) / 4 = 1/2.
    //   Without A: (0 + 1/2 + 1)/4 = 3/8 → 1/4. Without B: likewise 1/4. Without C: 0 → 1.
    //   Sum 3/2: A = B = 2 · (1/4)/(3/2) = 1/3, C = 2 · 1/(3/2) = 4/3; value 100 → 50/3, 50/3, 200/3.
    const result = markovModel(preparePaths(paths), { order: 1 })
    expect(effects(result.removalEffects)).toEqual([
      ['A', 0.25],
      ['B', 0.25],
      ['C', 1],
    ])
    expect(rows(result.credits)).toEqual([
      ['A', round(1 / 3), round(100 / 6)],
      ['B', round(1 / 3), round(100 / 6)],
      ['C', round(4 / 3), round(200 / 3)],
    ])
  })

  it('order 2 remembers it: the journeys through B never convert', () => {
    // States (A,C), (B,C) and, for the one-touch path, (C):
    //   start→(A,C) 1, start→(B,C) 1, start→(C) 2 (of 4); (A,C)→conv 1; (B,C)→null 1;
    //   (C)→conv 1, (C)→null 1. P = (1 + 0 + 2 · 1/2)/4 = 1/2.
    //   Without A ((A,C) gone): (0 + 0 + 1)/4 = 1/4 → 1/2. Without B: P unchanged → 0.
    //   Without C (every state): 0 → 1. Sum 3/2: A = 2 · (1/2)/(3/2) = 2/3, B = 0, C = 4/3.
    const result = markovModel(preparePaths(paths), { order: 2 })
    expect(result.states).toBe(3)
    expect(effects(result.removalEffects)).toEqual([
      ['A', 0.5],
      ['B', 0],
      ['C', 1],
    ])
    expect(rows(result.credits)).toEqual([
      ['A', round(2 / 3), round(100 / 3)],
      ['B', 0, 0],
      ['C', round(4 / 3), round(200 / 3)],
    ])
  })

  it('order 3 tells A>B>C from D>B>C where order 2 cannot', () => {
    const three = [path('A>B>C', 1, 10), path('D>B>C', 0, 0, 1), path('B>C', 1, 10)]
    // Order 2: A>B>C is (A,B)→(B,C); D>B>C is (D,B)→(B,C); B>C is (B,C) itself.
    //   start→(A,B), (D,B), (B,C) 1 each; (B,C)→conv 2, →null 1: x = 2/3 everywhere; P = 2/3.
    //   Without A: (0 + 2/3 + 2/3)/3 = 4/9 → 1 − (4/9)/(2/3) = 1/3; D likewise 1/3; B, C: 1.
    //   Sum 8/3: shares A = D = 1/8, B = C = 3/8 of 2 conversions and 20 of value.
    const second = markovModel(preparePaths(three), { order: 2 })
    expect(rows(second.credits)).toEqual([
      ['A', 0.25, 2.5],
      ['B', 0.75, 7.5],
      ['C', 0.75, 7.5],
      ['D', 0.25, 2.5],
    ])
    // Order 3: (A,B,C)→conv, (D,B,C)→null, (B,C)→conv (shorter than 3: one state of its own).
    //   P = (1 + 0 + 1)/3 = 2/3. Without A: 1/3 → 1/2. Without D: unchanged → 0. B, C: 1.
    //   Sum 5/2: shares A = 1/5, B = C = 2/5, D = 0 of 2 conversions and 20 of value.
    const third = markovModel(preparePaths(three), { order: 3 })
    expect(rows(third.credits)).toEqual([
      ['A', 0.4, 4],
      ['B', 0.8, 8],
      ['C', 0.8, 8],
      ['D', 0, 0],
    ])
  })

  it('reads a repeated touch as one visit, as ChannelAttribution does', () => {
    const repeated = markovModel(preparePaths([path('A>A>B', 1), path('B>B', 0, 0, 1), path('A', 1, 0, 1)]), { order: 1 })
    const single = markovModel(preparePaths([path('A>B', 1), path('B', 0, 0, 1), path('A', 1, 0, 1)]), { order: 1 })
    expect(repeated.removalEffects).toEqual(single.removalEffects)
    expect(repeated.credits).toEqual(single.credits)
  })

  it('refuses another order', () => {
    expect(() => markovModel(preparePaths([path('A', 1)]), { order: 4 as MarkovOrder })).toThrow(/order must be 1, 2 or 3/)
  })
})

describe('edge cases', () => {
  it('credits nothing when nothing converted, and still lists the channels', () => {
    const result = markovModel(preparePaths([path('A>B', 0, 0, 5)]))
    expect(result.conversionProbability).toBe(0)
    expect(rows(result.credits)).toEqual([
      ['A', 0, 0],
      ['B', 0, 0],
    ])
  })

  it('gives a single channel everything', () => {
    const result = markovModel(preparePaths([path('A>A', 2, 20, 3), path('A', 1, 5)]))
    expect(rows(result.credits)).toEqual([['A', 3, 25]])
    expect(effects(result.removalEffects)).toEqual([['A', 1]])
  })
})

/**
 * A second, deliberately plain implementation of the same definition: string states, every
 * transient state in one dense system (no pruning, no elimination order), removed states
 * turned into null, Gaussian elimination with partial pivoting.
 */
function referenceRemovalEffects(paths: readonly ConversionPath[], order: number, includeNulls: boolean) {
  const prepared = preparePaths(paths)
  const index = new Map<string, number>()
  const stateChannels: string[][] = []
  const counts = new Map<string, number>()
  const bump = (key: string, n: number) => counts.set(key, (counts.get(key) ?? 0) + n)
  const stateOf = (channels: string[]) => {
    const key = JSON.stringify(channels)
    if (!index.has(key)) {
      index.set(key, index.size)
      stateChannels.push(channels)
    }
    return index.get(key)!
  }
  for (const p of prepared.paths) {
    const journeys = p.conversions + (includeNulls ? p.nulls : 0)
    if (journeys === 0) continue
    const c = [...p.channels]
    const windows = c.length < order ? [c] : c.slice(0, c.length - order + 1).map((_, i) => c.slice(i, i + order))
    const states = windows.map(stateOf).filter((s, i, all) => i === 0 || s !== all[i - 1])
    bump(`start>${states[0]}`, journeys)
    for (let i = 1; i < states.length; i++) bump(`${states[i - 1]}>${states[i]}`, journeys)
    bump(`${states[states.length - 1]}>conv`, p.conversions)
    if (includeNulls) bump(`${states[states.length - 1]}>null`, p.nulls)
  }
  const n = index.size
  const totals = new Map<string, number>()
  for (const [key, count] of counts) totals.set(key.split('>')[0]!, (totals.get(key.split('>')[0]!) ?? 0) + count)
  const probability = (from: string, to: string) => (counts.get(`${from}>${to}`) ?? 0) / totals.get(from)!
  const solve = (removed: string | null) => {
    const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))
    const b = new Array<number>(n).fill(0)
    for (let i = 0; i < n; i++) {
      if (removed !== null && stateChannels[i]!.includes(removed)) continue // null: x = 0
      b[i] = probability(String(i), 'conv')
      for (let j = 0; j < n; j++) if (j !== i) a[i]![j]! -= probability(String(i), String(j))
    }
    const x = solveDense(a, b)
    let p = 0
    for (let s = 0; s < n; s++) p += probability('start', String(s)) * x[s]!
    return p
  }
  const base = solve(null)
  return new Map(prepared.channels.map((channel) => [channel, base > 0 ? 1 - solve(channel) / base : 0]))
}

describe('against a plain dense solve of the same definition', () => {
  for (const order of [1, 2, 3] as const) {
    for (const includeNulls of [true, false]) {
      it(`agrees at order ${order} ${includeNulls ? 'with' : 'without'} nulls on random paths`, () => {
        const paths = randomPaths(100 + order, { paths: 60, channels: 5, goOn: 0.55, maxTouches: 7 })
        const expected = referenceRemovalEffects(paths, order, includeNulls)
        const result = markovModel(preparePaths(paths), { order, includeNulls })
        expect([...result.removalEffects.keys()]).toEqual([...expected.keys()])
        for (const [channel, effect] of expected) expect(result.removalEffects.get(channel)).toBeCloseTo(effect, 12)
      })
    }
  }
})

/** The removal effects as they were first computed: one elimination of the whole chain per channel. */
function oneEliminationPerChannel(paths: readonly ConversionPath[], order: MarkovOrder, includeNulls: boolean) {
  const prepared = preparePaths(paths)
  const chain = markovChain(prepared, order, includeNulls)
  const solver = new AbsorptionSolver(chain)
  const base = solver.conversionProbability()
  const kept = new Uint8Array(chain.stateCount)
  return new Map(
    prepared.channels.map((channel, id) => {
      kept.fill(1)
      let holding = 0
      chain.stateChannels.forEach((ids, state) => {
        if (ids.includes(id)) {
          kept[state] = 0
          holding++
        }
      })
      return [channel, base > 0 && holding > 0 ? Math.min(1, Math.max(0, 1 - solver.conversionProbability(kept) / base)) : 0]
    }),
  )
}

/**
 * A dealer group in small: each store's journeys touch only its own campaigns (`s2_channel_03`),
 * so the chain falls apart into one block per store; `shared` adds a campaign every store runs
 * to a share of the paths (at order 1 it joins the stores, at orders 2 and 3 it holds states in several).
 */
function storePaths(seed: number, stores: number, channels: number, shared = 0): ConversionPath[] {
  const random = seededRandom(seed)
  return Array.from({ length: stores }, (_, store) =>
    randomPaths(seed * 31 + store, { paths: 40 + 15 * store, channels: channels + store, goOn: 0.55, maxTouches: 6 }).map((p) => {
      const names = p.channels.map((c) => `s${store}_${c}`)
      if (random() < shared) names.splice(Math.floor(random() * (names.length + 1)), 0, 'portal')
      return { ...p, channels: names }
    }),
  ).flat()
}

/** 1e-12 of the larger effect, or 1e-15 near 0: one elimination per channel takes 1 − without / base. */
function expectSameEffects(actual: ReadonlyMap<string, number>, expected: ReadonlyMap<string, number>) {
  expect([...actual.keys()]).toEqual([...expected.keys()])
  for (const [channel, effect] of expected) {
    const got = actual.get(channel)!
    expect(Math.abs(got - effect), channel).toBeLessThanOrEqual(1e-12 * Math.max(got, effect) + 1e-15)
  }
}

describe('removal effects by components', () => {
  for (const order of [1, 2, 3] as const) {
    for (const includeNulls of [true, false]) {
      it(`match one elimination per channel at order ${order} ${includeNulls ? 'with' : 'without'} nulls: stores apart, one store, a campaign in every store`, () => {
        for (const paths of [storePaths(order, 6, 5), storePaths(order + 10, 1, 9), storePaths(order + 20, 4, 6, 0.3)]) {
          expectSameEffects(markovModel(preparePaths(paths), { order, includeNulls }).removalEffects, oneEliminationPerChannel(paths, order, includeNulls))
        }
      })
    }
  }

  it('match one elimination per channel on stores of many campaigns (order 1: each store one block solved by its inverse)', () => {
    const paths = [0, 1].flatMap((store) =>
      randomPaths(41 + store, { paths: 1500, channels: 60, goOn: 0.7, maxTouches: 6 }).map((p) => ({ ...p, channels: p.channels.map((c) => `s${store}_${c}`) })),
    )
    expectSameEffects(markovModel(preparePaths(paths), { order: 1 }).removalEffects, oneEliminationPerChannel(paths, 1, true))
  })

  it('give 1 to a campaign every conversion passes through last, in its store and in the group', () => {
    const store = storePaths(5, 1, 6).map((p) => (p.conversions > 0 ? { ...p, channels: [...p.channels, 'close'] } : p))
    for (const order of [1, 2, 3] as const) {
      expect(markovModel(preparePaths(store), { order }).removalEffects.get('close')).toBe(1)
      const group = store.concat(storePaths(6, 3, 5).map((p) => ({ ...p, channels: p.channels.map((c) => `other_${c}`) })))
      const result = markovModel(preparePaths(group), { order })
      expectSameEffects(result.removalEffects, oneEliminationPerChannel(group, order, true))
      expect(result.removalEffects.get('close')).toBeLessThan(1)
    }
  })

  it('give the same bits every time', () => {
    const paths = storePaths(9, 5, 12, 0.2)
    for (const order of [1, 2, 3] as const) {
      const first = markovModel(preparePaths(paths), { order })
      for (let i = 0; i < 2; i++) {
        const again = markovModel(preparePaths([...paths].reverse()), { order })
        expect(Object.is(again.conversionProbability, first.conversionProbability)).toBe(true)
        for (const [channel, effect] of first.removalEffects) expect(Object.is(again.removalEffects.get(channel), effect)).toBe(true)
        for (const [channel, credit] of first.credits) expect(again.credits.get(channel)).toStrictEqual(credit)
      }
    }
  })
})
