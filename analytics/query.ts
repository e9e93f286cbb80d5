import type { z } from 'zod'
import { execute, executeStream, type AnalyticsConnection, type SqlParams } from './duckdb'

/**
 * The one way a DuckDB query runs (STYLE.md, SPEC §8): every query has a name, takes its
 * values as bound parameters only (`$name` in the SQL), is timed, and is logged by name and
 * duration at debug level — never with its parameters, which may be personal data. The
 * rows may be parsed with a zod schema. The SQL of each analytical question lives in a
 * named module under analytics/queries/.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type AnalyticsLogger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/**
 * analytics/ does not import from app/: until the server hands over its own logger
 * (app/services/analytics.server.ts), log lines are written here in the same shape as
 * app/utils/logger.server.ts (one JSON object per line, LOG_LEVEL honoured).
 */
const jsonLinesLogger: AnalyticsLogger = (level, msg, fields = {}) => {
  const min = (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'info'
  if (LEVELS[level] < (LEVELS[min] ?? LEVELS.info)) return
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })
  if (level === 'error' || level === 'warn') process.stderr.write(line + '\n')
  else process.stdout.write(line + '\n')
}

let logger: AnalyticsLogger = jsonLinesLogger

export function setAnalyticsLogger(next: AnalyticsLogger | null) {
  logger = next ?? jsonLinesLogger
}

export function analyticsLog(level: LogLevel, msg: string, fields?: Record<string, unknown>) {
  logger(level, msg, fields)
}

export type AnalyticsQuery<P extends SqlParams, R> = {
  readonly name: string
  readonly sql: string
  readonly row?: z.ZodType<R>
  /**
   * Which rows the schema checks: `all` (default; each row is the parsed copy), or `first` —
   * for a large result whose every column the SQL casts to its type: the first row is checked
   * for the shape and the rows come back as DuckDB gave them, without a second copy of each
   * (a group's month of conversion paths is a hundred thousand rows of lists). The schema must
   * then not transform anything.
   */
  readonly check?: 'all' | 'first'
  /** carries the parameter type only */
  readonly _params?: P
}

/** A named question: `defineQuery<{ storeId: string }>()({ name, sql, row })`. */
export function defineQuery<P extends SqlParams = Record<string, never>>() {
  return <R = Record<string, unknown>>(query: { name: string; sql: string; row?: z.ZodType<R>; check?: 'all' | 'first' }): AnalyticsQuery<P, R> => query
}

/**
 * A failed query. Its message names the query and DuckDB's kind of error only: DuckDB
 * quotes offending input ("Could not convert string '…'"), which may be personal data, so
 * the full message stays on `original` (not enumerable: loggers that walk an error's fields
 * do not see it).
 */
export class AnalyticsQueryError extends Error {
  declare readonly original: unknown
  constructor(
    readonly queryName: string,
    original: unknown,
  ) {
    const message = String((original as { message?: unknown } | null)?.message ?? '')
    const kind = /^([A-Za-z ]+ Error):/.exec(message)?.[1] ?? 'Error'
    super(`Analytics query "${queryName}" failed (${kind})`)
    this.name = 'AnalyticsQueryError'
    Object.defineProperty(this, 'original', { value: original, enumerable: false })
  }
}

async function timed<T>(name: string, run: () => Promise<T>, count: (result: T) => number): Promise<T> {
  const started = performance.now()
  try {
    const result = await run()
    logger('debug', 'analytics query', { query: name, ms: Math.round((performance.now() - started) * 10) / 10, rows: count(result) })
    return result
  } catch (error) {
    logger('debug', 'analytics query failed', { query: name, ms: Math.round((performance.now() - started) * 10) / 10 })
    throw new AnalyticsQueryError(name, error)
  }
}

/** Runs a named query and returns its rows (parsed by its row schema when it has one). */
export async function runQuery<P extends SqlParams, R>(c: AnalyticsConnection, query: AnalyticsQuery<P, R>, params: P): Promise<R[]> {
  const { rows } = await timed(query.name, () => execute(c, query.sql, params), (r) => r.rows.length)
  if (!query.row) return rows as R[]
  const schema = query.row
  if (query.check === 'first') {
    if (rows.length) schema.parse(rows[0])
    return rows as R[]
  }
  return rows.map((row) => schema.parse(row))
}

/** Runs a named statement (DDL, a load, a delete) and returns how many rows it changed. */
export async function runStatement(c: AnalyticsConnection, name: string, sql: string, params: SqlParams = {}): Promise<number> {
  const { rowsChanged } = await timed(name, () => execute(c, sql, params), (r) => r.rowsChanged)
  return rowsChanged
}

/** Runs a named query and yields its rows chunk by chunk (a large result is never held whole). */
export async function* streamQuery(c: AnalyticsConnection, name: string, sql: string, params: SqlParams = {}): AsyncGenerator<{ columns: string[]; rows: unknown[][] }> {
  const started = performance.now()
  let count = 0
  try {
    for await (const chunk of executeStream(c, sql, params)) {
      count += chunk.rows.length
      yield chunk
    }
  } catch (error) {
    logger('debug', 'analytics query failed', { query: name, ms: Math.round(performance.now() - started) })
    throw new AnalyticsQueryError(name, error)
  }
  logger('debug', 'analytics query', { query: name, ms: Math.round(performance.now() - started), rows: count })
}
