/**
 * The probability that an absorbing Markov chain, leaving its start state, ends in
 * "conversion" rather than "null" — solved exactly, never simulated (ADR 021) — for the chain
 * whole and with sets of states removed (a removed state sends every journey that reaches it
 * to null; the Markov model removes the states of one channel at a time).
 *
 * With Q the transitions between transient states and r each state's one-step probability
 * of converting, the absorption probabilities x solve (I − Q) x = r, and P(conversion) is
 * the start's transitions times x. `AbsorptionSolver` solves that system by Gaussian
 * elimination, in the form that suits a Markov chain (state reduction, Grassmann–Taksar–Heyman):
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
 * `removalProbabilities` answers for many removals at once without solving the whole chain
 * once per removal. The states that matter fall apart into components (connected by
 * transitions in either direction): a journey never leaves the component it starts in, so
 * P(conversion) is the sum of the components' shares, and a removal changes only the
 * components that hold one of its states. A component is solved either by its inverse — one
 * LU factorization with the arithmetic above, after which each removal's loss comes from a
 * few entries of the inverse (the Schur complement: a 1 × 1 or small system per removal, not
 * a new elimination) — or, when it is large and sparse, by elimination of that component
 * alone, once per removal that touches it. A dealer group's campaigns at order 1 (20 stores
 * of ~120 campaigns) are 20 components of ~120 states: 20 small factorizations instead of
 * 2,400 eliminations of the 2,400-state chain.
 *
 * The same chain and the same removals give the same operations in the same order (the
 * method is chosen by counted costs, never by a clock), so the same result to the last bit.
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

/** Kept states reachable from the start through kept states, from which a conversion is reachable. */
function activeStates(chain: AbsorbingChain, reverse: Reverse, kept: Uint8Array | undefined): Uint8Array {
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
  /**
   * The entries the last `conversionProbability` read or wrote: its cost in steps that, unlike
   * a clock, are the same on every run (removalProbabilities chooses its method by them).
   */
  work = 0

  constructor(private readonly chain: AbsorbingChain, private readonly denseStates = DENSE_STATES) {
    this.reverse = reverseOf(chain)
  }

  /**
   * P(conversion) from the start. `kept[s] = 0` removes state s: every transition into it
   * goes to null instead, which is what removing a channel does to the states that hold it.
   */
  conversionProbability(kept?: Uint8Array): number {
    const { chain } = this
    const active = activeStates(chain, this.reverse, kept)
    this.work = chain.stateCount + chain.target.length
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
      this.work += c + out.size + cols[k]!.size
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
      this.work += 3 * r
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
      this.work += preds * succs
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

/** P(conversion) of a chain, whole and with each of several sets of states removed. */
export type RemovalProbabilities = {
  /** P(conversion) of the whole chain */
  readonly base: number
  /** per removal, P(conversion) with its states removed: every transition into them goes to null */
  readonly without: Float64Array
  /**
   * per removal, base − without: the conversions that pass through its states, summed over the
   * components it touches rather than taken as the difference of two totals
   */
  readonly lost: Float64Array
}

/** How removalProbabilities solves a component: the cheaper way (default), or always one way (tests, measurements). */
export type RemovalMethod = 'cheaper' | 'inverse' | 'elimination'

/**
 * The largest component solved by its inverse: its three dense n × n matrices take 15 MB at
 * 800 states (216 MB at 3,000), so a larger component is eliminated once per removal, which
 * needs memory in proportion to its transitions only.
 */
export const INVERSE_STATES = 800
/**
 * Components of up to this many states are solved by their inverse without comparing costs:
 * it then costs about what building the component's own chain and eliminating it once would
 * (2n³/3 ≈ 74,000 multiply-adds at 48 states), so a comparison would not pay for itself.
 */
const SMALL_COMPONENT = 48
/**
 * The cost model that chooses between the two, in multiply-adds of the inverse, measured on
 * the chains of synthetic stores (orders 1 to 3, 50 to 600 states, 5 to 300 channels):
 *
 * - the inverse: the factorization and the two triangular inverses, at most 2n³/3 (a dense
 *   component) and, on sparse ones, at most n/32 per step of one elimination of the component
 *   (measured: n/36 to n/170); ~4n² for the dense storage; per removal of m > 1 of its states,
 *   m²n/2 for the entries of B_RR and m³/3 for the small system;
 * - the elimination: ELIMINATION_STEP per step of its `work`, for every removal that holds
 *   part of the component (a step took 3–11 ns, a multiply-add of a dense inverse 1.5–4 ns).
 */
const ELIMINATION_STEP = 2
const INVERSE_PER_STEP = 1 / 32

/**
 * P(conversion) of `chain` and, for each entry of `removals` (a set of states, e.g. those
 * that hold one channel), P(conversion) with those states removed.
 *
 * Only the active states matter (reachable from the start, able to reach a conversion); they
 * fall apart into components, connected by transitions in either direction. A journey stays
 * in the component it starts in, so P(conversion) is the sum over components c of
 * P_c = Σ_{j∈c} s_j x_j (s the start's probabilities, x the absorption probabilities into
 * conversion), and a removal changes only the components that hold one of its states: each of
 * them loses the conversions of the journeys that visit a removed state. Per component:
 *
 * - by its inverse, when it has at most INVERSE_STATES states and that is cheaper: with
 *   A = I − Q on the component (Q its transitions; a step from a state back to itself left out
 *   and A's diagonal taken as the sum of what leaves, as in the elimination), r the
 *   probabilities of converting and B = A⁻¹: u = B r (u_j = x_j), v = Bᵀ s (v_j the expected
 *   visits to j), P_c = sᵀ u. Removing the states R, a journey that converts through R has a
 *   first visit to R, at some j with probability h_j, and then converts with probability u_j;
 *   the expected visits to R are v_R = B_RRᵀ h (from the first visit on), so the loss is
 *   P_c − P_c' = u_Rᵀ h with B_RRᵀ h = v_R — the Schur complement of the inverse, for which
 *   A_KK⁻¹ = B_KK − B_KR B_RR⁻¹ B_RK on the states K kept. For one state, h_j = v_j / B_jj.
 *   A is factored as L U by the elimination's own arithmetic (GTH: each pivot is the sum of
 *   what its state leaves to, never a difference), the states with the fewest transitions
 *   first, so u, v and the entries of B are sums of products of non-negative numbers: no
 *   cancellation. Only the m × m system B_RRᵀ h = v_R of a removal with m > 1 states in the
 *   component is solved by Gaussian elimination with partial pivoting. A removal that holds
 *   every state that converts loses exactly P_c; every loss is clamped to [0, P_c].
 * - by elimination otherwise (AbsorptionSolver on the component alone), once whole and once
 *   per removal that holds part of it.
 *
 * 'cheaper' compares the costs of the two (see ELIMINATION_STEP) for components of
 * SMALL_COMPONENT to INVERSE_STATES states, after one elimination unless the component is
 * dense (the elimination then reuses it). The costs are counted, never timed, so the same
 * chain and removals give the same result to the last bit.
 */
export function removalProbabilities(chain: AbsorbingChain, removals: ReadonlyArray<ArrayLike<number>>, method: RemovalMethod = 'cheaper'): RemovalProbabilities {
  const n = chain.stateCount
  const reverse = reverseOf(chain)
  const active = activeStates(chain, reverse, undefined)

  // components of the active states, numbered in order of their first state
  const component = new Int32Array(n).fill(-1)
  const todo = new Int32Array(n)
  let components = 0
  for (let first = 0; first < n; first++) {
    if (!active[first] || component[first]! >= 0) continue
    component[first] = components
    todo[0] = first
    let size = 1
    while (size > 0) {
      const s = todo[--size]!
      for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) {
        const t = chain.target[e]!
        if (active[t] && component[t]! < 0) {
          component[t] = components
          todo[size++] = t
        }
      }
      for (let e = reverse.rowStart[s]!; e < reverse.rowStart[s + 1]!; e++) {
        const t = reverse.source[e]!
        if (active[t] && component[t]! < 0) {
          component[t] = components
          todo[size++] = t
        }
      }
    }
    components++
  }
  // each component's states in state order; `local` numbers them within their component
  const componentStart = new Int32Array(components + 1)
  for (let s = 0; s < n; s++) if (component[s]! >= 0) componentStart[component[s]! + 1]!++
  for (let c = 0; c < components; c++) componentStart[c + 1]! += componentStart[c]!
  const componentStates = new Int32Array(componentStart[components]!)
  const local = new Int32Array(n).fill(-1)
  const fill = componentStart.slice(0, components)
  for (let s = 0; s < n; s++) {
    const c = component[s]!
    if (c < 0) continue
    local[s] = fill[c]! - componentStart[c]!
    componentStates[fill[c]!++] = s
  }
  const start = new Float64Array(n)
  for (let e = 0; e < chain.startTarget.length; e++) start[chain.startTarget[e]!]! += chain.startProbability[e]!

  // the removals' active states, each once, grouped by component (in removal order within one)
  let entries = 0
  for (const states of removals) entries += states.length
  const entryRemoval = new Int32Array(entries)
  const entryState = new Int32Array(entries)
  const seen = new Int32Array(n)
  entries = 0
  removals.forEach((states, r) => {
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!
      if (s < 0 || s >= n || !active[s] || seen[s] === r + 1) continue
      seen[s] = r + 1
      entryRemoval[entries] = r
      entryState[entries++] = s
    }
  })
  const groupStart = new Int32Array(components + 1)
  for (let e = 0; e < entries; e++) groupStart[component[entryState[e]!]! + 1]!++
  for (let c = 0; c < components; c++) groupStart[c + 1]! += groupStart[c]!
  const byComponent = groupStart.slice(0, components)
  const removalOf = new Int32Array(entries)
  const localOf = new Int32Array(entries)
  for (let e = 0; e < entries; e++) {
    const s = entryState[e]!
    const at = byComponent[component[s]!]!++
    removalOf[at] = entryRemoval[e]!
    localOf[at] = local[s]!
  }

  const lost = new Float64Array(removals.length)
  const solver = new ComponentSolver(chain, active, local, start, lost, method)
  let base = 0
  for (let c = 0; c < components; c++) {
    const states = componentStates.subarray(componentStart[c]!, componentStart[c + 1]!)
    base += solver.solve(states, removalOf.subarray(groupStart[c]!, groupStart[c + 1]!), localOf.subarray(groupStart[c]!, groupStart[c + 1]!))
  }
  const without = lost.map((l) => Math.max(0, base - l))
  return { base, without, lost }
}

/** Solves one component at a time for removalProbabilities, its work buffers shared between them. */
class ComponentSolver {
  private lu = new Float64Array(0)
  private upperInverse = new Float64Array(0)
  private lowerInverse = new Float64Array(0)
  private upperColumns = new Int32Array(0)
  private lowerRows = new Int32Array(0)
  private vectors = new Float64Array(0)
  private starts = new Int32Array(0)

  constructor(
    private readonly chain: AbsorbingChain,
    private readonly active: Uint8Array,
    private readonly local: Int32Array,
    private readonly start: Float64Array,
    private readonly lost: Float64Array,
    private readonly method: RemovalMethod,
  ) {}

  /**
   * P_c of the component of `states` (in state order); adds to `lost` what each removal loses
   * in it. `removalOf` and `localOf` list the removals' states in it, a removal's together.
   */
  solve(states: Int32Array, removalOf: Int32Array, localOf: Int32Array): number {
    const { chain, active } = this
    const n = states.length
    // the removals that hold part of the component (a removal of all of it loses P_c)
    let partial = 0
    let partialCost = 0
    for (let g = 0; g < removalOf.length; ) {
      let end = g + 1
      while (end < removalOf.length && removalOf[end] === removalOf[g]) end++
      const m = end - g
      if (m < n) {
        partial++
        partialCost += (m * m * n) / 2 + (m * m * m) / 3
      }
      g = end
    }
    if (this.method === 'inverse') return this.byInverse(states, removalOf, localOf, partial > 0)
    if (this.method === 'elimination' || n > INVERSE_STATES) return this.byElimination(states, removalOf, localOf, null)
    if (n <= SMALL_COMPONENT || partial === 0) return this.byInverse(states, removalOf, localOf, partial > 0)
    // an elimination reads every state and transition, and eliminating n states of E / n
    // transitions on average takes about (E / n)² steps each: when the inverse costs less than
    // n + E + E² / n steps per partial removal even if the component is dense, it is the
    // cheaper without trying the other (a dealer's store at order 1: ~120 states, ~4,800 transitions)
    const dense = (2 * n * n * n) / 3
    let transitions = 0
    for (let i = 0; i < n; i++) {
      const s = states[i]!
      for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) if (active[chain.target[e]!]) transitions++
    }
    if (dense + 4 * n * n + partialCost <= partial * (n + transitions + (transitions * transitions) / n) * ELIMINATION_STEP) {
      return this.byInverse(states, removalOf, localOf, true)
    }
    // otherwise one elimination tells how sparse the component is
    const whole = this.subChain(states)
    const solver = new AbsorptionSolver(whole.chain)
    const once = solver.conversionProbability()
    const inverseCost = Math.min(dense, n * solver.work * INVERSE_PER_STEP) + 4 * n * n + partialCost
    if (partial * solver.work * ELIMINATION_STEP < inverseCost) return this.byElimination(states, removalOf, localOf, { ...whole, solver, once })
    return this.byInverse(states, removalOf, localOf, true)
  }

  /** The component as a chain of its own: transitions out of it (to inactive states) go to null, the start keeps its share. */
  private subChain(states: Int32Array): { chain: AbsorbingChain; startTotal: number } {
    const { chain, active, local, start } = this
    const n = states.length
    const rowStart = new Int32Array(n + 1)
    for (let i = 0; i < n; i++) {
      const s = states[i]!
      let kept = 0
      for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) if (active[chain.target[e]!]) kept++
      rowStart[i + 1] = rowStart[i]! + kept
    }
    const target = new Int32Array(rowStart[n]!)
    const probability = new Float64Array(rowStart[n]!)
    const toConversion = new Float64Array(n)
    const toNull = new Float64Array(n)
    let starts = 0
    for (let i = 0, k = 0; i < n; i++) {
      const s = states[i]!
      let lost = chain.toNull[s]!
      for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) {
        const t = chain.target[e]!
        if (!active[t]) lost += chain.probability[e]!
        else {
          target[k] = local[t]!
          probability[k++] = chain.probability[e]!
        }
      }
      toConversion[i] = chain.toConversion[s]!
      toNull[i] = lost
      if (start[s]! > 0) starts++
    }
    const startTarget = new Int32Array(starts)
    const startProbability = new Float64Array(starts)
    let startTotal = 0
    for (let i = 0, k = 0; i < n; i++) {
      const p = start[states[i]!]!
      if (p > 0) {
        startTarget[k] = i
        startProbability[k++] = p
        startTotal += p
      }
    }
    return { chain: { stateCount: n, rowStart, target, probability, toConversion, toNull, startTarget, startProbability }, startTotal }
  }

  /** The component solved once whole and once per removal that holds part of it. */
  private byElimination(
    states: Int32Array,
    removalOf: Int32Array,
    localOf: Int32Array,
    done: { chain: AbsorbingChain; startTotal: number; solver: AbsorptionSolver; once: number } | null,
  ): number {
    const whole = done ?? this.subChain(states)
    const solver = done?.solver ?? new AbsorptionSolver(whole.chain)
    // the solver answers for the journeys that start in the component: scaled by their share
    const once = done?.once ?? solver.conversionProbability()
    const probability = whole.startTotal * once
    const kept = new Uint8Array(states.length)
    for (let g = 0; g < removalOf.length; ) {
      let end = g + 1
      while (end < removalOf.length && removalOf[end] === removalOf[g]) end++
      let loss = probability
      if (end - g < states.length) {
        kept.fill(1)
        for (let e = g; e < end; e++) kept[localOf[e]!] = 0
        loss = whole.startTotal * (once - solver.conversionProbability(kept))
      }
      this.lost[removalOf[g]!]! += Math.min(probability, Math.max(0, loss))
      g = end
    }
    return probability
  }

  /** Places in the order of elimination of a component's states: by transitions in and out, then by state number. */
  private placesOf(states: Int32Array): Int32Array {
    const { chain, active, local } = this
    const n = states.length
    const degree = new Int32Array(n)
    for (let i = 0; i < n; i++) {
      const s = states[i]!
      for (let e = chain.rowStart[s]!; e < chain.rowStart[s + 1]!; e++) {
        const t = chain.target[e]!
        if (active[t] && t !== s) {
          degree[i]!++
          degree[local[t]!]!++
        }
      }
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => degree[x]! - degree[y]! || x - y)
    const at = new Int32Array(n)
    order.forEach((i, place) => (at[i] = place))
    return at
  }

  /** The component solved by its inverse (see removalProbabilities); `removing` when a removal holds part of it. */
  private byInverse(states: Int32Array, removalOf: Int32Array, localOf: Int32Array, removing: boolean): number {
    const { chain, active, local } = this
    const n = states.length
    if (this.lu.length < n * n) this.lu = new Float64Array(Math.max(n * n, 2 * this.lu.length))
    if (this.vectors.length < 7 * n) this.vectors = new Float64Array(Math.max(7 * n, 2 * this.vectors.length))
    if (this.starts.length < 2 * (n + 1)) this.starts = new Int32Array(Math.max(2 * (n + 1), 2 * this.starts.length))
    const a = this.lu
    a.fill(0, 0, n * n)
    const vectors = this.vectors
    const conv = vectors.subarray(0, n)
    const loss = vectors.subarray(n, 2 * n)
    const s = vectors.subarray(2 * n, 3 * n)
    const d = vectors.subarray(3 * n, 4 * n)
    const u = vectors.subarray(4 * n, 5 * n)
    const z = vectors.subarray(5 * n, 6 * n)
    const v = vectors.subarray(6 * n, 7 * n)
    // the order of elimination: fewest transitions (in and out) first, which keeps the factors
    // sparse longer (ties by state number); at[i] is the place of the component's i-th state
    const at = this.placesOf(states)
    for (let i = 0; i < n; i++) {
      const state = states[i]!
      const row = at[i]!
      conv[row] = chain.toConversion[state]!
      s[row] = this.start[state]!
      let lost = chain.toNull[state]!
      for (let e = chain.rowStart[state]!; e < chain.rowStart[state + 1]!; e++) {
        const t = chain.target[e]!
        if (!active[t]) lost += chain.probability[e]!
        else if (t !== state) a[row * n + at[local[t]!]!]! += chain.probability[e]!
      }
      loss[row] = lost
    }

    // A = L U by state elimination in state order: a[k·n + j] (j > k) holds the probability of
    // k going to j once the states before k are eliminated (−U_kj), d[k] = U_kk the sum of what
    // k leaves to, a[i·n + k] (i > k) the probability of i going to k when k was eliminated
    // (L_ik = −a[i·n + k] / d[k]); the non-zero columns of U's rows and rows of L's columns are listed
    const upperStart = this.starts.subarray(0, n + 1)
    const lowerStart = this.starts.subarray(n + 1, 2 * (n + 1))
    let upper = 0
    let lower = 0
    const triangle = (n * (n - 1)) / 2
    if (this.upperColumns.length < triangle) this.upperColumns = new Int32Array(Math.max(triangle, 2 * this.upperColumns.length))
    if (this.lowerRows.length < triangle) this.lowerRows = new Int32Array(Math.max(triangle, 2 * this.lowerRows.length))
    const upperColumns = this.upperColumns
    const lowerRows = this.lowerRows
    for (let k = 0; k < n; k++) {
      const ko = k * n
      let leaving = conv[k]! + loss[k]!
      upperStart[k] = upper
      for (let j = k + 1; j < n; j++) {
        const q = a[ko + j]!
        if (q !== 0) {
          upperColumns[upper++] = j
          leaving += q
        }
      }
      d[k] = leaving
      lowerStart[k] = lower
      const first = upperStart[k]!
      // a row of k that is more than half full is added whole (zeros add nothing)
      const whole = 2 * (upper - first) > n - k - 1
      for (let i = k + 1; i < n; i++) {
        const io = i * n
        const q = a[io + k]!
        if (q === 0) continue
        lowerRows[lower++] = i
        const f = q / leaving
        conv[i]! += f * conv[k]!
        loss[i]! += f * loss[k]!
        // a step back into i itself only delays i: it lands on a[i·n + i], which is never read
        if (whole) for (let j = k + 1; j < n; j++) a[io + j]! += f * a[ko + j]!
        else for (let p = first; p < upper; p++) a[io + upperColumns[p]!]! += f * a[ko + upperColumns[p]!]!
      }
    }
    upperStart[n] = upper
    lowerStart[n] = lower

    // u = U⁻¹ (L⁻¹ r): conv holds L⁻¹ r now
    for (let k = n - 1; k >= 0; k--) {
      const ko = k * n
      let x = conv[k]!
      for (let p = upperStart[k]!; p < upperStart[k + 1]!; p++) x += a[ko + upperColumns[p]!]! * u[upperColumns[p]!]!
      u[k] = x / d[k]!
    }
    let probability = 0
    for (let k = 0; k < n; k++) probability += s[k]! * u[k]!
    if (!removing || probability === 0) {
      for (let g = 0; g < removalOf.length; g++) if (g === 0 || removalOf[g] !== removalOf[g - 1]) this.lost[removalOf[g]!]! += probability
      return probability
    }

    // v = L⁻ᵀ (U⁻ᵀ s)
    v.set(s)
    for (let k = 0; k < n; k++) {
      const ko = k * n
      const zk = v[k]! / d[k]!
      z[k] = zk
      for (let p = upperStart[k]!; p < upperStart[k + 1]!; p++) v[upperColumns[p]!]! += a[ko + upperColumns[p]!]! * zk
    }
    for (let k = n - 1; k >= 0; k--) {
      let x = 0
      for (let p = lowerStart[k]!; p < lowerStart[k + 1]!; p++) x += a[lowerRows[p]! * n + k]! * v[lowerRows[p]!]!
      v[k] = z[k]! + x / d[k]!
    }

    // U⁻¹ and L⁻¹, row by row, each row a sum of rows found before (contiguous runs):
    // U⁻¹ = D⁻¹ (I + G U⁻¹) with U = D − G, from the last row up, row i non-zero from i on;
    // L⁻¹ = I + F L⁻¹ with L = I − F (F_kp = a[k·n + p] / d[p]), from the first row down, row k
    // non-zero up to k. Then B = U⁻¹ L⁻¹: B_ij = Σ_{k ≥ max(i, j)} (U⁻¹)_ik (L⁻¹)_kj.
    if (this.upperInverse.length < n * n) {
      this.upperInverse = new Float64Array(Math.max(n * n, 2 * this.upperInverse.length))
      this.lowerInverse = new Float64Array(Math.max(n * n, 2 * this.lowerInverse.length))
    }
    const w = this.upperInverse
    const y = this.lowerInverse
    for (let i = n - 1; i >= 0; i--) {
      const io = i * n
      w.fill(0, io + i, io + n)
      w[io + i] = 1
      for (let p = upperStart[i]!; p < upperStart[i + 1]!; p++) {
        const row = upperColumns[p]!
        const g = a[io + row]!
        const ro = row * n
        for (let k = row; k < n; k++) w[io + k]! += g * w[ro + k]!
      }
      const di = d[i]!
      for (let k = i; k < n; k++) w[io + k]! /= di
    }
    for (let k = 0; k < n; k++) {
      const ko = k * n
      y.fill(0, ko, ko + k + 1)
      y[ko + k] = 1
      for (let p = 0; p < k; p++) {
        const q = a[ko + p]!
        if (q === 0) continue
        const f = q / d[p]!
        const po = p * n
        for (let j = 0; j <= p; j++) y[ko + j]! += f * y[po + j]!
      }
    }
    const entry = (i: number, j: number) => {
      const io = i * n
      let b = 0
      for (let k = Math.max(i, j); k < n; k++) b += w[io + k]! * y[k * n + j]!
      return b
    }

    // a removal that holds every state that converts (all of them, at the least) loses all of P_c, exactly
    let converting = 0
    for (let i = 0; i < n; i++) if (chain.toConversion[states[i]!]! > 0) converting++
    for (let g = 0; g < removalOf.length; ) {
      let end = g + 1
      while (end < removalOf.length && removalOf[end] === removalOf[g]) end++
      const m = end - g
      let held = 0
      for (let e = g; e < end; e++) if (chain.toConversion[states[localOf[e]!]!]! > 0) held++
      let loss = probability
      if (held < converting && m === 1) {
        const j = at[localOf[g]!]!
        loss = (v[j]! / entry(j, j)) * u[j]!
      } else if (held < converting) {
        // B_RRᵀ h = v_R: row b of the system is column b of B_RR
        const removed = Array.from({ length: m }, (_, e) => at[localOf[g + e]!]!)
        const system = Array.from({ length: m }, (_, row) => Array.from({ length: m }, (_, col) => entry(removed[col]!, removed[row]!)))
        const h = solveSmall(
          system,
          removed.map((j) => v[j]!),
        )
        loss = 0
        for (let e = 0; e < m; e++) loss += h[e]! * u[removed[e]!]!
      }
      this.lost[removalOf[g]!]! += Math.min(probability, Math.max(0, loss))
      g = end
    }
    return probability
  }
}

/** Solves a x = b (m × m, dense) by Gaussian elimination with partial pivoting; `a` and `b` are overwritten. */
function solveSmall(a: number[][], b: number[]): number[] {
  const m = b.length
  for (let k = 0; k < m; k++) {
    let p = k
    for (let i = k + 1; i < m; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[p]![k]!)) p = i
    if (p !== k) {
      ;[a[k], a[p]] = [a[p]!, a[k]!]
      ;[b[k], b[p]] = [b[p]!, b[k]!]
    }
    const pivot = a[k]!
    for (let i = k + 1; i < m; i++) {
      const row = a[i]!
      const f = row[k]! / pivot[k]!
      if (f === 0) continue
      for (let j = k; j < m; j++) row[j]! -= f * pivot[j]!
      b[i]! -= f * b[k]!
    }
  }
  const x = new Array<number>(m).fill(0)
  for (let i = m - 1; i >= 0; i--) {
    let sum = b[i]!
    for (let j = i + 1; j < m; j++) sum -= a[i]![j]! * x[j]!
    x[i] = sum / a[i]![i]!
  }
  return x
}
