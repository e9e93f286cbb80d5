import { describe, expect, it } from 'vitest'
import { type AbsorbingChain, type RemovalMethod, AbsorptionSolver, INVERSE_STATES, removalProbabilities } from './absorption'
import { seededRandom, solveDense } from './test-support'

/** A random absorbing chain: each state moves to a few others, converts or drops out. */
function randomChain(seed: number, states: number, outDegree: number): AbsorbingChain {
  const random = seededRandom(seed)
  const rowStart = new Int32Array(states + 1)
  const target: number[] = []
  const probability: number[] = []
  const toConversion = new Float64Array(states)
  const toNull = new Float64Array(states)
  for (let s = 0; s < states; s++) {
    const targets = new Set<number>()
    for (let k = 0; k < outDegree; k++) {
      const t = Math.floor(random() * states)
      if (t !== s) targets.add(t)
    }
    // some states can never convert, some never drop out
    const conv = random() < 0.3 ? 0 : random()
    const drop = random() < 0.3 ? 0 : random()
    const weights = [...targets].map(() => random())
    const total = conv + drop + weights.reduce((a, b) => a + b, 0) || 1
    ;[...targets]
      .sort((a, b) => a - b)
      .forEach((t, i) => {
        target.push(t)
        probability.push(weights[i]! / total)
      })
    toConversion[s] = conv / total
    toNull[s] = drop / total
    rowStart[s + 1] = target.length
  }
  const starts = [...new Set(Array.from({ length: 4 }, () => Math.floor(random() * states)))].sort((a, b) => a - b)
  return {
    stateCount: states,
    rowStart,
    target: Int32Array.from(target),
    probability: Float64Array.from(probability),
    toConversion,
    toNull,
    startTarget: Int32Array.from(starts),
    startProbability: Float64Array.from(starts, () => 1 / starts.length),
  }
}

/** (I − Q) x = r over every state, dense, Gaussian elimination with partial pivoting; removed states are null. */
function referenceProbability(chain: AbsorbingChain, kept?: Uint8Array) {
  const n = chain.stateCount
  const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))
  const b = new Array<number>(n).fill(0)
  for (let s = 0; s < n; s++) {
    if (kept && !kept[s]) continue
    b[s] = chain.toConversion[s]!
    for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) a[s]![chain.target[e]!]! -= chain.probability[e]!
  }
  const x = solveDense(a, b)
  let p = 0
  chain.startTarget.forEach((t, i) => {
    if (!kept || kept[t]) p += chain.startProbability[i]! * x[t]!
  })
  return p
}

describe('AbsorptionSolver', () => {
  it('solves a chain worked by hand', () => {
    // start → 0; 0 → 1 (1/2), conversion (1/4), null (1/4); 1 → 0 (1/2), conversion (1/2).
    // x1 = 1/2 x0 + 1/2; x0 = 1/2 x1 + 1/4 = 1/4 x0 + 1/2 → x0 = 2/3.
    // Without state 1: x0 = 1/4.
    const chain: AbsorbingChain = {
      stateCount: 2,
      rowStart: Int32Array.from([0, 1, 2]),
      target: Int32Array.from([1, 0]),
      probability: Float64Array.from([0.5, 0.5]),
      toConversion: Float64Array.from([0.25, 0.5]),
      toNull: Float64Array.from([0.25, 0]),
      startTarget: Int32Array.from([0]),
      startProbability: Float64Array.from([1]),
    }
    const solver = new AbsorptionSolver(chain)
    expect(solver.conversionProbability()).toBeCloseTo(2 / 3, 15)
    expect(solver.conversionProbability(Uint8Array.from([1, 0]))).toBeCloseTo(1 / 4, 15)
    expect(solver.conversionProbability(Uint8Array.from([0, 1]))).toBe(0)
  })

  for (const [states, outDegree] of [
    [6, 3],
    [40, 3],
    [120, 6],
  ] as const) {
    it(`agrees with a dense solve on random chains of ${states} states, sparse or dense storage alike`, () => {
      for (let seed = 1; seed <= 5; seed++) {
        const chain = randomChain(seed * 31 + states, states, outDegree)
        const kept = Uint8Array.from({ length: states }, (_, s) => (s % 5 === seed % 5 ? 0 : 1))
        const usual = new AbsorptionSolver(chain)
        // never switches to the dense matrix
        const sparse = new AbsorptionSolver(chain, 0)
        for (const mask of [undefined, kept]) {
          const expected = referenceProbability(chain, mask)
          expect(usual.conversionProbability(mask)).toBeCloseTo(expected, 12)
          expect(sparse.conversionProbability(mask)).toBeCloseTo(expected, 12)
        }
      }
    })
  }

  it('gives the same bits every time', () => {
    const chain = randomChain(99, 200, 5)
    const solver = new AbsorptionSolver(chain)
    const first = solver.conversionProbability()
    for (let i = 0; i < 3; i++) expect(Object.is(new AbsorptionSolver(chain).conversionProbability(), first)).toBe(true)
  })
})

/**
 * Random chains side by side: block b's states are offset by the sizes before it, `links`
 * transitions join random states of different blocks (0: the blocks stay apart), and the start
 * goes to a few states of every block.
 */
function blockChain(seed: number, sizes: readonly number[], outDegree: number, links = 0): AbsorbingChain {
  const random = seededRandom(seed)
  const parts = sizes.map((size, b) => randomChain(seed * 7 + b, size, outDegree))
  const states = sizes.reduce((a, b) => a + b, 0)
  const offsets = sizes.map((_, b) => sizes.slice(0, b).reduce((a, c) => a + c, 0))
  const rows: Array<Array<[number, number]>> = []
  const toConversion = new Float64Array(states)
  const toNull = new Float64Array(states)
  parts.forEach((part, b) => {
    for (let s = 0; s < part.stateCount; s++) {
      const row: Array<[number, number]> = []
      for (let e = part.rowStart[s]!; e < part.rowStart[s + 1]!; e++) row.push([part.target[e]! + offsets[b]!, part.probability[e]!])
      rows.push(row)
      toConversion[s + offsets[b]!] = part.toConversion[s]!
      toNull[s + offsets[b]!] = part.toNull[s]!
    }
  })
  for (let k = 0; k < links; k++) {
    // a share of a state's drop-out becomes a step into another state
    const from = Math.floor(random() * states)
    const to = Math.floor(random() * states)
    if (from === to || toNull[from] === 0 || rows[from]!.some(([t]) => t === to)) continue
    const moved = toNull[from]! / 2
    toNull[from]! -= moved
    rows[from]!.push([to, moved])
    rows[from]!.sort((a, b) => a[0] - b[0])
  }
  const rowStart = new Int32Array(states + 1)
  rows.forEach((row, s) => (rowStart[s + 1] = rowStart[s]! + row.length))
  const starts = parts.flatMap((part, b) => [...part.startTarget].map((t) => t + offsets[b]!))
  const weights = starts.map(() => 0.2 + random())
  const total = weights.reduce((a, b) => a + b, 0)
  return {
    stateCount: states,
    rowStart,
    target: Int32Array.from(rows.flat(), ([t]) => t),
    probability: Float64Array.from(rows.flat(), ([, p]) => p),
    toConversion,
    toNull,
    startTarget: Int32Array.from(starts),
    startProbability: Float64Array.from(weights, (w) => w / total),
  }
}

/** What each removal loses, one elimination of the whole chain per removal (the definition). */
function lostOneByOne(chain: AbsorbingChain, removals: ReadonlyArray<readonly number[]>) {
  const solver = new AbsorptionSolver(chain)
  const base = solver.conversionProbability()
  const kept = new Uint8Array(chain.stateCount)
  return {
    base,
    lost: removals.map((states) => {
      kept.fill(1)
      for (const s of states) kept[s] = 0
      return base - solver.conversionProbability(kept)
    }),
  }
}

/**
 * Relative agreement of two removal effects (losses over the base): 1e-12 of the larger, or 1e-15
 * when both are near 0 — the one-by-one effect is 1 − without / base, never closer to 0 than that.
 */
function expectSameEffect(actual: number, expected: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(actual), Math.abs(expected)) + 1e-15)
}

/** Random sets of states: single states, several of one block, several across blocks, a block whole, every state. */
function randomRemovals(seed: number, chain: AbsorbingChain, sizes: readonly number[]): number[][] {
  const random = seededRandom(seed)
  const n = chain.stateCount
  const removals: number[][] = []
  for (let s = 0; s < n; s += 3) removals.push([s])
  for (let k = 0; k < 12; k++) removals.push(Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * n)))
  let offset = 0
  for (const size of sizes) {
    removals.push(Array.from({ length: size }, (_, i) => offset + i))
    const from = offset + Math.floor(random() * size)
    removals.push([from, from, Math.min(offset + size - 1, from + 1), Math.min(offset + size - 1, from + 2)])
    offset += size
  }
  removals.push(
    Array.from({ length: n }, (_, s) => s),
    [],
  )
  return removals
}

describe('removalProbabilities', () => {
  const shapes: Array<[string, number[], number, number]> = [
    ['one block', [40], 3, 0],
    ['a dense block', [60], 20, 0],
    ['several blocks apart', [12, 30, 1, 5, 25, 8], 3, 0],
    ['several blocks joined here and there', [12, 30, 5, 25, 8], 3, 6],
    ['blocks larger than a small component', [70, 90], 4, 0],
  ]
  for (const [shape, sizes, outDegree, links] of shapes) {
    it(`loses what one elimination per removal loses: ${shape}`, () => {
      for (let seed = 1; seed <= 4; seed++) {
        const chain = blockChain(seed * 13 + sizes.length, sizes, outDegree, links)
        const removals = randomRemovals(seed, chain, sizes)
        const expected = lostOneByOne(chain, removals)
        for (const method of ['cheaper', 'inverse', 'elimination'] as RemovalMethod[]) {
          const result = removalProbabilities(chain, removals, method)
          expectSameEffect(result.base, expected.base)
          removals.forEach((_, r) => {
            expectSameEffect(result.lost[r]! / result.base, expected.lost[r]! / expected.base)
            expect(result.without[r]).toBeCloseTo(expected.base - expected.lost[r]!, 14)
          })
          // removing every state loses everything; removing none loses nothing
          expect(result.lost[removals.length - 2]).toBe(result.base)
          expect(result.lost[removals.length - 1]).toBe(0)
        }
      }
    })
  }

  it('solves a component larger than the inverse takes by elimination, to the same result', () => {
    const chain = randomChain(5, INVERSE_STATES + 300, 3)
    const removals = [[0], [1, 2, 3], [10, 400, 800], Array.from({ length: 200 }, (_, i) => 3 * i)]
    const expected = lostOneByOne(chain, removals)
    const result = removalProbabilities(chain, removals)
    removals.forEach((_, r) => expectSameEffect(result.lost[r]! / result.base, expected.lost[r]! / expected.base))
  })

  it('is 0 throughout for a chain that never converts', () => {
    const chain = blockChain(3, [5, 6], 2)
    const never = { ...chain, toConversion: new Float64Array(chain.stateCount) }
    const result = removalProbabilities(never, [[0], [1, 2]])
    expect(result.base).toBe(0)
    expect([...result.lost]).toEqual([0, 0])
    expect([...result.without]).toEqual([0, 0])
  })

  it('gives the same bits every time', () => {
    const chain = blockChain(17, [30, 20, 100, 4], 4, 3)
    const removals = randomRemovals(2, chain, [30, 20, 100, 4])
    const first = removalProbabilities(chain, removals)
    for (let i = 0; i < 3; i++) {
      const again = removalProbabilities(chain, removals)
      expect(Object.is(again.base, first.base)).toBe(true)
      expect(again.lost.every((l, r) => Object.is(l, first.lost[r]))).toBe(true)
    }
  })
})
