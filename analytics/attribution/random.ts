/**
 * A seeded source of uniform numbers in [0, 1): the bootstrap's resampling and the tests'
 * synthetic paths are pure functions of their seed, so the same data gives the same interval
 * every time and a failing case can be replayed.
 */
export function seededRandom(seed: number): () => number {
  // mulberry32: small, fast, and the same sequence on every platform
  let state = seed | 0
  return () => {
    state = (state + 0x6d2b79f5) | 0
    let t = Math.imul(state ^ (state >>> 15), 1 | state)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A draw from Poisson(lambda): Knuth's product of uniforms below 30, a rounded normal above (Box–Muller). */
export function poisson(random: () => number, lambda: number): number {
  if (lambda <= 0) return 0
  if (lambda < 30) {
    const limit = Math.exp(-lambda)
    let k = 0
    let p = random()
    while (p > limit) {
      k++
      p *= random()
    }
    return k
  }
  const u = 1 - random()
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z))
}
