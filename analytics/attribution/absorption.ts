/**
 * The probability that an absorbing Markov chain, leaving its start state, ends in
 * "conversion" rather than "null" — solved exactly, never simulated (ADR 021).
 *
 * With Q the transitions between transient states and r each state's one-step probability
 * of converting, the absorption probabilities x solve (I − Q) x = r, and P(conversion) is
 * the start's transitions times x. This solves that system by Gaussian elimination, in the
 * form that suits a Markov chain (state reduction, Grassmann–Taksar–Heyman):
 *
 * - Eliminating a state k reroutes every path through it: a predecessor i that went to k
 *   with probability q_ik now goes, with q_ik / d_k times k's own probabilities, where k
 *   went — to conversion, to the other states, to null. d_k is k's total probability of
 *   leaving, computed as a sum of what leaves (never as 1 − what stays) and a step back
 *   into i itself is dropped (it only delays i). So every number stays a sum of products of
 *   non-negative numbers: no subtraction, no cancellation, no pivot that can be 0 — which
 *   is why no row exchanges are needed, where a general solver would pivot. Once every state
 *   is eliminated, the start goes straight to conversion with probability P(conversion).
 * - Only the states that matter are eliminated: those reachable from the start (through the
 *   states kept, when a channel is removed) and from which a conversion can still be
 *   reached (every other state converts with probability exactly 0: it counts as null).
 * - Order: the state with the fewest predecessors × successors first (Markowitz), ties by
 *   state number. The chains of conversion paths are sparse, and this order keeps the
 *   work near the number of transitions instead of the cube of the number of states.
 * - Storage: the transitions as sparse rows while they are sparse (or too many for memory),
 *   then, for the densely connected core that is left, one dense matrix (same arithmetic,
 *   on plain arrays).
 *
 * The same chain and the same kept states give the same operations in the same order, so
 * the same result to the last bit.
 */
export type AbsorbingChain = {
  /** transient states 0 … stateCount − 1 */
  readonly stateCount: number
  /** transitions between transient states, compressed by row: state s's are rowStart[s] … rowStart[s + 1] − 1 */
  readonly rowStart: Int32Array
  readonly target: Int32Array
  readonly probability: Float64Array
  /** per state, the probability of the next step being the conversion */
  readonly toConversion: Float64Array
  /** per state, the probability of the next step being null (the journey ends without converting) */
  readonly toNull: Float64Array
  /** the start state's transitions */
  readonly startTarget: Int32Array
  readonly startProbability: Float64Array
}

/** Above this many states the rows stay sparse (a dense matrix of 3,000 states takes ~72 MB). */
export const DENSE_STATES = 3000
/** The share of a square matrix the remaining transitions must fill before a dense matrix pays. */
const DENSE_FILL = 0.1

type Reverse = { rowStart: Int32Array; source: Int32Array }

function reverseOf(chain: AbsorbingChain): Reverse {
  const n = chain.stateCount
  const rowStart = new Int32Array(n + 1)
  for (let e = 0; e < chain.target.length; e++) rowStart[chain.target[e]! + 1]!++
  for (let s = 0; s < n; s++) rowStart[s + 1]! += rowStart[s]!
  const fill = rowStart.slice(0, n)
  const source = new Int32Array(chain.target.length)
  for (let s = 0; s < n; s++) {
    for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) source[fill[chain.target[e]!]!++] = s
  }
  return { rowStart, source }
}

/** A min-heap of (cost, state) with stale entries skipped by the reader. */
class CostHeap {
  private cost: number[] = []
  private state: number[] = []
  get size() {
    return this.cost.length
  }
  private less(a: number, b: number) {
    return this.cost[a]! < this.cost[b]! || (this.cost[a] === this.cost[b] && this.state[a]! < this.state[b]!)
  }
  private swap(a: number, b: number) {
    const c = this.cost[a]!
    this.cost[a] = this.cost[b]!
    this.cost[b] = c
    const s = this.state[a]!
    this.state[a] = this.state[b]!
    this.state[b] = s
  }
  push(cost: number, state: number) {
    this.cost.push(cost)
    this.state.push(state)
    let i = this.cost.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
  }
  pop(): [cost: number, state: number] {
    const top: [number, number] = [this.cost[0]!, this.state[0]!]
    const lastCost = this.cost.pop()!
    const lastState = this.state.pop()!
    if (this.cost.length > 0) {
      this.cost[0] = lastCost
      this.state[0] = lastState
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < this.cost.length && this.less(l, m)) m = l
        if (r < this.cost.length && this.less(r, m)) m = r
        if (m === i) break
        this.swap(i, m)
        i = m
      }
    }
    return top
  }
}

/** Solves one chain many times (once whole, once per removed channel), sharing what can be shared. */
export class AbsorptionSolver {
  private readonly reverse: Reverse
  private dense = new Float64Array(0)

  constructor(private readonly chain: AbsorbingChain, private readonly denseStates = DENSE_STATES) {
    this.reverse = reverseOf(chain)
  }

  /**
   * P(conversion) from the start. `kept[s] = 0` removes state s: every transition into it
   * goes to null instead, which is what removing a channel does to the states that hold it.
   */
  conversionProbability(kept?: Uint8Array): number {
    const { chain } = this
    const active = this.activeStates(kept)
    // local numbers: active states in state order, the start last
    const local = new Int32Array(chain.stateCount).fill(-1)
    let m = 0
    for (let s = 0; s < chain.stateCount; s++) if (active[s]) local[s] = m++
    if (m === 0) return 0
    const start = m
    const conv = new Float64Array(m + 1)
    const loss = new Float64Array(m + 1)
    const rows: Array<Map<number, number>> = []
    const cols: Array<Set<number>> = []
    for (let i = 0; i < m; i++) cols.push(new Set())
    for (let s = 0; s < chain.stateCount; s++) {
      if (!active[s]) continue
      const i = local[s]!
      const row = new Map<number, number>()
      conv[i] = chain.toConversion[s]!
      let lost = chain.toNull[s]!
      for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) {
        const j = local[chain.target[e]!]!
        if (j < 0) lost += chain.probability[e]!
        else if (j !== i) {
          row.set(j, (row.get(j) ?? 0) + chain.probability[e]!)
          cols[j]!.add(i)
        }
      }
      loss[i] = lost
      rows.push(row)
    }
    const startRow = new Map<number, number>()
    for (let e = 0; e < chain.startTarget.length; e++) {
      const j = local[chain.startTarget[e]!]!
      if (j < 0) loss[start]! += chain.startProbability[e]!
      else {
        startRow.set(j, (startRow.get(j) ?? 0) + chain.startProbability[e]!)
        cols[j]!.add(start)
      }
    }
    rows.push(startRow)

    const alive = new Uint8Array(m).fill(1)
    const remaining = this.eliminateSparse(m, rows, cols, conv, loss, alive)
    if (remaining > 0) this.eliminateDense(m, rows, conv, loss, alive, remaining)
    const total = conv[start]! + loss[start]!
    return total > 0 ? conv[start]! / total : 0
  }

  /** Kept states reachable from the start through kept states, from which a conversion is reachable. */
  private activeStates(kept: Uint8Array | undefined): Uint8Array {
    const { chain, reverse } = this
    const n = chain.stateCount
    const isKept = (s: number) => !kept || kept[s] === 1
    const reached = new Uint8Array(n)
    const todo = new Int32Array(n)
    let size = 0
    for (let i = 0; i < chain.startTarget.length; i++) {
      const s = chain.startTarget[i]!
      if (isKept(s) && !reached[s]) {
        reached[s] = 1
        todo[size++] = s
      }
    }
    while (size > 0) {
      const s = todo[--size]!
      for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) {
        const t = chain.target[e]!
        if (isKept(t) && !reached[t]) {
          reached[t] = 1
          todo[size++] = t
        }
      }
    }
    const active = new Uint8Array(n)
    for (let s = 0; s < n; s++) {
      if (reached[s] && chain.toConversion[s]! > 0) {
        active[s] = 1
        todo[size++] = s
      }
    }
    while (size > 0) {
      const s = todo[--size]!
      for (let e = reverse.rowStart[s]!; e < reverse.rowStart[s + 1]!; e++) {
        const p = reverse.source[e]!
        if (reached[p] && !active[p]) {
          active[p] = 1
          todo[size++] = p
        }
      }
    }
    return active
  }

  /**
   * Eliminates states on sparse rows, cheapest first, until at most `denseStates` remain and
   * their transitions fill at least DENSE_FILL of a square matrix — by then the states left
   * are the well-connected core that a dense matrix handles faster; returns how many remain.
   */
  private eliminateSparse(
    m: number,
    rows: Array<Map<number, number>>,
    cols: Array<Set<number>>,
    conv: Float64Array,
    loss: Float64Array,
    alive: Uint8Array,
  ): number {
    let remaining = m
    let transitions = 0
    for (const row of rows) transitions += row.size
    const cost = (k: number) => cols[k]!.size * rows[k]!.size
    const heap = new CostHeap()
    for (let k = 0; k < m; k++) heap.push(cost(k), k)
    while (heap.size > 0) {
      if (remaining <= this.denseStates && transitions >= DENSE_FILL * remaining * remaining) break
      const [c, k] = heap.pop()
      if (!alive[k] || c !== cost(k)) continue
      const out = rows[k]!
      transitions -= out.size + cols[k]!.size
      let leaving = conv[k]! + loss[k]!
      for (const q of out.values()) leaving += q
      for (const i of cols[k]!) {
        const row = rows[i]!
        const f = row.get(k)! / leaving
        row.delete(k)
        conv[i]! += f * conv[k]!
        loss[i]! += f * loss[k]!
        for (const [j, q] of out) {
          if (j === i) continue
          const before = row.get(j)
          if (before === undefined) {
            row.set(j, f * q)
            cols[j]!.add(i)
            transitions++
          } else row.set(j, before + f * q)
        }
        if (i < m) heap.push(cost(i), i)
      }
      for (const j of out.keys()) {
        cols[j]!.delete(k)
        heap.push(cost(j), j)
      }
      alive[k] = 0
      rows[k] = new Map()
      cols[k] = new Set()
      remaining--
    }
    return remaining
  }

  /** Eliminates the remaining states on a dense matrix, the same arithmetic as the sparse rows. */
  private eliminateDense(m: number, rows: Array<Map<number, number>>, conv: Float64Array, loss: Float64Array, alive: Uint8Array, r: number) {
    // dense numbers: the remaining states in order, the start last (row r, never a column)
    const dense = new Int32Array(m + 1).fill(-1)
    const states: number[] = []
    for (let i = 0; i < m; i++) if (alive[i]) dense[i] = states.push(i) - 1
    dense[m] = r
    states.push(m)
    const size = (r + 1) * r
    if (this.dense.length < size) this.dense = new Float64Array(size)
    const a = this.dense.subarray(0, size)
    a.fill(0)
    const c = new Float64Array(r + 1)
    const l = new Float64Array(r + 1)
    const rowCount = new Int32Array(r + 1)
    const colCount = new Int32Array(r)
    for (let di = 0; di <= r; di++) {
      const i = states[di]!
      c[di] = conv[i]!
      l[di] = loss[i]!
      for (const [j, q] of rows[i]!) {
        const dj = dense[j]!
        a[di * r + dj] = q
        rowCount[di]!++
        colCount[dj]!++
      }
    }
    // which rows reach each column, transposed so that a column is read as one contiguous run
    const reaches = new Uint8Array(r * (r + 1))
    for (let di = 0; di <= r; di++) for (const j of rows[states[di]!]!.keys()) reaches[dense[j]! * (r + 1) + di] = 1
    const live = new Uint8Array(r).fill(1)
    const succ = new Int32Array(r)
    const pred = new Int32Array(r + 1)
    for (let step = 0; step < r; step++) {
      let k = -1
      let best = Infinity
      for (let j = 0; j < r; j++) {
        if (!live[j]) continue
        const cost = rowCount[j]! * colCount[j]!
        if (cost < best) {
          best = cost
          k = j
        }
      }
      const ko = k * r
      let succs = 0
      let leaving = c[k]! + l[k]!
      for (let j = 0; j < r; j++) {
        const q = a[ko + j]!
        if (q !== 0 && live[j] && j !== k) {
          succ[succs++] = j
          leaving += q
        }
      }
      let preds = 0
      const kc = k * (r + 1)
      for (let i = 0; i <= r; i++) if (reaches[kc + i] && i !== k) pred[preds++] = i
      for (let p = 0; p < preds; p++) {
        const i = pred[p]!
        const io = i * r
        const f = a[io + k]! / leaving
        a[io + k] = 0
        reaches[kc + i] = 0
        rowCount[i]!--
        c[i]! += f * c[k]!
        l[i]! += f * l[k]!
        for (let s = 0; s < succs; s++) {
          const j = succ[s]!
          if (j === i) continue
          const before = a[io + j]!
          if (before === 0) {
            rowCount[i]!++
            colCount[j]!++
            reaches[j * (r + 1) + i] = 1
          }
          a[io + j] = before + f * a[ko + j]!
        }
      }
      for (let s = 0; s < succs; s++) colCount[succ[s]!]!--
      live[k] = 0
    }
    conv[m] = c[r]!
    loss[m] = l[r]!
  }
}
