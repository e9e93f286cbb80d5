/**
 * `npx tsx scripts/bench-markov.ts [--old] [--orders 1,2,3] [--runs N]`: the
 * time of one `markovModel` call on the paths of a synthetic dealer group, the shape of the
 * management review's Markov model by campaign:
 *
 * - 20 stores of 120 campaigns each (2,400 channels); a journey touches the campaigns of one
 *   store only, so the chain falls apart into 20 blocks;
 * - per store, 8,000 journeys of 1–6 touches, campaigns drawn with popularity falling off as
 *   1/rank^0.7, one in eight converting and the others failing 1–12 times: ~80,000 distinct
 *   paths in the group.
 *
 * Each call is timed on the paths and on bootstrap replicates of them (what the review runs
 * 201 times), as wall time and as CPU time of the process (the latter less disturbed by other
 * work on the machine); the chain's construction is timed apart.
 *
 * `--old` also times the removal effects the way they were computed before the chain was
 * split into components: one elimination of the whole chain per channel, sampled on a few
 * channels and scaled to all of them (the full run takes minutes to hours).
 */
import { parseArgs } from 'node:util'
import { AbsorptionSolver } from '../analytics/attribution/absorption'
import { resample } from '../analytics/attribution/bootstrap'
import { type MarkovOrder, markovChain, markovModel } from '../analytics/attribution/markov'
import { type ConversionPath, type PreparedPaths, preparePaths } from '../analytics/attribution/paths'
import { seededRandom } from '../analytics/attribution/random'

const STORES = 20
const CAMPAIGNS = 120
const JOURNEYS = 8000

function groupPaths(seed: number): ConversionPath[] {
  const random = seededRandom(seed)
  const weights = Array.from({ length: CAMPAIGNS }, (_, i) => 1 / (i + 1) ** 0.7)
  const totalWeight = weights.reduce((a, b) => a + b, 0)
  const pick = () => {
    let r = random() * totalWeight
    for (let i = 0; i < CAMPAIGNS; i++) {
      r -= weights[i]!
      if (r <= 0) return i
    }
    return CAMPAIGNS - 1
  }
  const paths: ConversionPath[] = []
  for (let store = 0; store < STORES; store++) {
    const names = Array.from({ length: CAMPAIGNS }, (_, i) => `s${String(store).padStart(2, '0')}_c${String(i).padStart(3, '0')}`)
    for (let j = 0; j < JOURNEYS; j++) {
      let length = 1
      while (length < 6 && random() < 0.55) length++
      const channels = Array.from({ length }, () => names[pick()]!)
      const converted = random() < 0.125
      paths.push({ channels, conversions: converted ? 1 : 0, value: converted ? 20_000 : 0, nulls: converted ? 0 : 1 + Math.floor(random() * 12) })
    }
  }
  return paths
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Median wall and CPU milliseconds of `run` over `inputs` (each timed once, after one untimed call on each of the first three). */
function timed(inputs: PreparedPaths[], run: (prepared: PreparedPaths) => unknown) {
  for (const prepared of inputs.slice(0, 3)) run(prepared)
  const wall: number[] = []
  const cpu: number[] = []
  for (const prepared of inputs) {
    const started = performance.now()
    const cpuStarted = process.cpuUsage()
    run(prepared)
    const used = process.cpuUsage(cpuStarted)
    wall.push(performance.now() - started)
    cpu.push((used.user + used.system) / 1000)
  }
  return `${median(wall).toFixed(1)} ms (CPU ${median(cpu).toFixed(1)} ms)`
}

const { values } = parseArgs({ options: { old: { type: 'boolean', default: false }, orders: { type: 'string', default: '1,2,3' }, runs: { type: 'string', default: '11' } } })
const orders = values.orders.split(',').map(Number) as MarkovOrder[]
const runs = Number(values.runs)
const prepared = preparePaths(groupPaths(7))
const random = seededRandom(1)
const replicates = Array.from({ length: runs }, () => resample(prepared, random))
console.log(`${prepared.channels.length} channels, ${prepared.totals.paths} distinct paths, ${prepared.totals.conversions} conversions, ${prepared.totals.nulls} failed journeys`)

for (const order of orders) {
  const chain = markovChain(prepared, order, true)
  console.log(`order ${order}: ${chain.stateCount} states, ${chain.target.length} transitions`)
  if (runs > 0) {
    const same = Array.from({ length: runs }, () => prepared)
    console.log(`  markovModel on the paths:          ${timed(same, (p) => markovModel(p, { order }))}`)
    console.log(`  markovModel on a replicate:        ${timed(replicates, (p) => markovModel(p, { order }))}`)
    console.log(`    of which the chain (markovChain): ${timed(replicates, (p) => markovChain(p, order, true))}`)
  }

  if (values.old) {
    const started = performance.now()
    const solver = new AbsorptionSolver(chain)
    solver.conversionProbability()
    const once = performance.now() - started
    const statesOfChannel: number[][] = prepared.channels.map(() => [])
    chain.stateChannels.forEach((ids, state) => ids.forEach((id) => statesOfChannel[id]!.push(state)))
    const kept = new Uint8Array(chain.stateCount)
    const sample = order === 1 ? 24 : 6
    const removalsStarted = performance.now()
    for (let k = 0; k < sample; k++) {
      const id = Math.floor((k * prepared.channels.length) / sample)
      kept.fill(1)
      for (const s of statesOfChannel[id]!) kept[s] = 0
      solver.conversionProbability(kept)
    }
    const perRemoval = (performance.now() - removalsStarted) / sample
    const total = once + perRemoval * prepared.channels.length
    console.log(`  one elimination of the whole chain per channel: ${perRemoval.toFixed(0)} ms per channel (${sample} sampled) → ~${(total / 1000).toFixed(0)} s per call`)
  }
}
