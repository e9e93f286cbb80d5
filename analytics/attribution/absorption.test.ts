import { describe, expect, it } from 'vitest'
import { type AbsorbingChain, AbsorptionSolver } from './absorption'
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
