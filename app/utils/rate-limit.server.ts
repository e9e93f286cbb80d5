/**
 * Token buckets kept in this process's memory (SPEC §3: /api/collect is rate limited per
 * client address and per site). A bucket holds at most `burst` tokens and regains `rate`
 * tokens a second; a request costs one token per event it carries. Each process counts for
 * itself: behind N processes a client gets up to N times the limit, which is fine for a
 * guard against floods (sign-in throttling, which must be exact, is counted in Postgres).
 */
export type BucketConfig = { rate: number; burst: number }

type Bucket = { tokens: number; at: number }

export class TokenBuckets {
  private buckets = new Map<string, Bucket>()

  constructor(
    readonly config: BucketConfig,
    private readonly now: () => number = Date.now,
    /** buckets kept at most; full buckets are forgotten first, as they carry no state */
    private readonly maxKeys = 100_000,
  ) {}

  private level(key: string, at: number): Bucket {
    const bucket = this.buckets.get(key)
    if (!bucket) return { tokens: this.config.burst, at }
    const refilled = Math.min(this.config.burst, bucket.tokens + ((at - bucket.at) / 1000) * this.config.rate)
    return { tokens: refilled, at }
  }

  /** Seconds until `cost` tokens are there (0 when they are now). */
  wait(key: string, cost = 1): number {
    const at = this.now()
    const { tokens } = this.level(key, at)
    if (cost > this.config.burst) return Number.POSITIVE_INFINITY
    return tokens >= cost ? 0 : (cost - tokens) / this.config.rate
  }

  /** Takes `cost` tokens; call only after `wait` said 0 (see `takeAll`). */
  take(key: string, cost = 1) {
    const at = this.now()
    const bucket = this.level(key, at)
    bucket.tokens -= cost
    this.buckets.set(key, bucket)
    if (this.buckets.size > this.maxKeys) this.sweep(at)
  }

  private sweep(at: number) {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((at - bucket.at) / 1000) * this.config.rate >= this.config.burst) this.buckets.delete(key)
    }
    // still too many (a flood of distinct keys): start over rather than grow without bound
    if (this.buckets.size > this.maxKeys) this.buckets.clear()
  }
}

/**
 * Takes `cost` from every bucket, or from none: a request refused by one limit does not
 * use up another. Returns 0 when taken, else the seconds to wait (rounded up, ≥ 1).
 */
export function takeAll(limits: Array<[TokenBuckets, string]>, cost: number): number {
  const wait = Math.max(...limits.map(([buckets, key]) => buckets.wait(key, cost)))
  if (wait > 0) return Number.isFinite(wait) ? Math.max(1, Math.ceil(wait)) : 60
  for (const [buckets, key] of limits) buckets.take(key, cost)
  return 0
}
