import { isIP } from 'node:net'
import { z } from 'zod'
import { AnalyticsEnvSchema } from '../../analytics/config'
import { DbEnvSchema } from '../../db/config'

/** Express's `trust proxy` setting: no proxy, a hop count, or the proxies' addresses. */
export type TrustProxy = false | number | string[]

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isProxyAddress(entry: string) {
  if (PROXY_NAMES.has(entry)) return true
  const [address, bits, ...rest] = entry.split('/')
  if (rest.length || !address || isIP(address) === 0) return false
  if (bits === undefined) return true
  const max = isIP(address) === 4 ? 32 : 128
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max
}

/**
 * Every environment variable Roadshow reads (the database ones from db/config.ts, the analytical store's from analytics/config.ts), validated once at start
 * (entry.server imports this module). README lists the same set.
 */
const EnvSchema = DbEnvSchema.extend(AnalyticsEnvSchema.shape).extend({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  SEED_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /**
   * Which proxies may say who the client is (X-Forwarded-For / -Proto), in the form Express's
   * `trust proxy` takes, never "all": `false` (none), `true` or a number of hops (the closest
   * N proxies: the client address is the one the outermost of them saw), or a comma-separated
   * list of proxy addresses and subnets (`10.0.0.0/8`, `loopback`, `uniquelocal`).
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .default('false')
    .transform((v, ctx): TrustProxy => {
      if (v === '' || v === 'false' || v === '0') return false
      if (v === 'true') return 1
      if (/^\d{1,2}$/.test(v)) return Number(v)
      const list = v.split(',').map((p) => p.trim()).filter(Boolean)
      if (list.length && list.every(isProxyAddress)) return list
      ctx.addIssue({ code: 'custom', message: 'must be false, true, a number of proxy hops (1, 2 …) or a comma-separated list of proxy addresses / subnets' })
      return z.NEVER
    }),
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  PHONE_HASH_KEY: z.string().min(16, 'must be at least 16 characters').optional().or(z.literal('').transform(() => undefined)),
  /** where browsers reach Roadshow (https://roadshow.example.cn): written into the snippet tag and form embed code; default the request's own origin */
  PUBLIC_URL: z
    .string()
    .optional()
    .refine((v) => !v || (URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)), 'must be an http(s) URL such as https://roadshow.example.cn')
    .transform((v) => (v ? new URL(v).origin : undefined)),
  // POST /api/collect and /api/leads (SPEC §3, docs/decisions/007-event-collection.md)
  COLLECT_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
  /** events one request may carry */
  COLLECT_MAX_EVENTS: z.coerce.number().int().min(1).max(500).default(20),
  /** the writer commits when this many events are waiting, or after COLLECT_BATCH_WAIT_MS */
  COLLECT_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  COLLECT_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(5),
  /**
   * a request whose events are not committed within this time of its body's arrival answers
   * 503 (the client sends them again): below a second, so a database that hangs is told
   * to the client within one (SPEC §8)
   */
  COLLECT_WRITE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(900),
  /** events waiting for the database beyond this are refused at once with 503 */
  COLLECT_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  /** token buckets, in events: a steady rate per second and a burst */
  COLLECT_IP_RATE: z.coerce.number().positive().default(20),
  COLLECT_IP_BURST: z.coerce.number().int().min(1).default(200),
  COLLECT_SITE_RATE: z.coerce.number().positive().default(1000),
  COLLECT_SITE_BURST: z.coerce.number().int().min(1).default(5000),
  /** web lead form posts per client address: a burst, refilled at this many per minute */
  /**
   * Web lead form posts (SPEC §3): a crowd at an auto show shares one venue Wi-Fi or carrier NAT
   * address, so each visitor and each site has a limit of its own and the address's is a ceiling
   * sized for a crowd
   */
  LEADS_IP_BURST: z.coerce.number().int().min(1).default(60),
  LEADS_IP_PER_MINUTE: z.coerce.number().positive().default(30),
  LEADS_VISITOR_BURST: z.coerce.number().int().min(1).default(5),
  LEADS_VISITOR_PER_MINUTE: z.coerce.number().positive().default(2),
  LEADS_SITE_BURST: z.coerce.number().int().min(1).default(600),
  LEADS_SITE_PER_MINUTE: z.coerce.number().positive().default(300),
  /** background jobs (imports) one app process runs side by side (docs/decisions/014-background-jobs.md) */
  JOB_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(1),
  JOB_START_DELAY_S: z.coerce.number().int().min(0).max(600).default(0),
})

export type Env = z.infer<typeof EnvSchema>

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid environment:\n${lines.join('\n')}`)
  }
  return parsed.data
}

let cached: Env | undefined
export function getEnv(): Env {
  cached ??= parseEnv()
  return cached
}

/** Reads the environment again on the next getEnv() (for tests that change it). */
export function forgetEnv() {
  cached = undefined
}
