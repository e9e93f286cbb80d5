import path from 'node:path'
import { z } from 'zod'
import { readDbConfig } from '../db/config'

/**
 * The analytical store's part of the environment (README, Configuration). app/utils/env.server.ts
 * extends its schema with this one, so a bad value stops the server at start.
 */
export const AnalyticsEnvSchema = z.object({
  /**
   * DuckDB's memory_limit, e.g. 384MB or 2GB: beyond it DuckDB spills to disk or fails the
   * query. The default keeps the server under 1 GiB with its JavaScript heap (ADR 025); a
   * rebuild on the command line runs faster with more.
   */
  ANALYTICS_MEMORY_LIMIT: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must be a size such as 384MB or 2GB')
    .default('256MB'),
  /** DuckDB worker threads; 0 = one per core */
  ANALYTICS_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  /** how often the server syncs Postgres into DuckDB, in seconds; 0 turns the background sync off */
  ANALYTICS_SYNC_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(30),
  /** rows read from Postgres per chunk (one short transaction each); unset: 250k on a server, 50k on PGlite */
  ANALYTICS_SYNC_CHUNK_ROWS: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(5_000_000).optional()),
})

export type AnalyticsConfig = {
  dir: string
  file: string
  memoryLimit: string
  threads: number
  syncIntervalMs: number
  /** null: chosen by the database (chunkRowsFor) */
  chunkRows: number | null
}

/**
 * Rows per chunk: on PGlite, one connection, a chunk's COPY holds every other query of the
 * process for its duration (measured: 50k touchpoints ~150 ms on a fast day, 520–540 ms on a
 * slow one, when 10k took 72 ms; 250k ~1.2 s), so chunks are small there — a sync running
 * during a lead import held requests past SPEC §7's 200 ms with 50k; on a server a chunk holds
 * nobody and bigger ones cost less overhead.
 */
export function chunkRowsFor(kind: 'pglite' | 'postgres', configured: number | null) {
  return configured ?? (kind === 'pglite' ? 10_000 : 250_000)
}

export function readAnalyticsConfig(env: NodeJS.ProcessEnv = process.env): AnalyticsConfig {
  const parsed = AnalyticsEnvSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid analytics configuration:\n${lines.join('\n')}`)
  }
  const dir = path.join(readDbConfig(env).dataDir, 'analytics')
  return {
    dir,
    file: path.join(dir, 'analytics.duckdb'),
    memoryLimit: parsed.data.ANALYTICS_MEMORY_LIMIT.replace(/\s+/g, ''),
    threads: parsed.data.ANALYTICS_THREADS,
    syncIntervalMs: parsed.data.ANALYTICS_SYNC_INTERVAL_S * 1000,
    chunkRows: parsed.data.ANALYTICS_SYNC_CHUNK_ROWS ?? null,
  }
}
