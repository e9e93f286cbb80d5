import { z } from 'zod'
import { DbEnvSchema } from '../../db/config'

/**
 * Every environment variable Roadshow reads (the database ones from db/config.ts), validated once at start
 * (entry.server imports this module). README lists the same set.
 */
const EnvSchema = DbEnvSchema.extend({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  SEED_DEMO: z.enum(['auto', 'true', 'false']).default('auto'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
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
  /** a batch not committed within this time answers 503 to every request in it */
  COLLECT_WRITE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(5000),
  /** events waiting for the database beyond this are refused at once with 503 */
  COLLECT_QUEUE_MAX: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  /** token buckets, in events: a steady rate per second and a burst */
  COLLECT_IP_RATE: z.coerce.number().positive().default(20),
  COLLECT_IP_BURST: z.coerce.number().int().min(1).default(200),
  COLLECT_SITE_RATE: z.coerce.number().positive().default(1000),
  COLLECT_SITE_BURST: z.coerce.number().int().min(1).default(5000),
  /** web lead form posts per client address: a burst, refilled at this many per minute */
  LEADS_IP_BURST: z.coerce.number().int().min(1).default(10),
  LEADS_IP_PER_MINUTE: z.coerce.number().positive().default(2),
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
