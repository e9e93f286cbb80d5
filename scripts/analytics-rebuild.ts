import { parseArgs } from 'node:util'
import { openDatabase } from '../db/client'
import { readDbConfig } from '../db/config'
import { DataDirLockedError } from '../db/lock'
import { chunkRowsFor, readAnalyticsConfig } from '../analytics/config'
import { setAnalyticsLogger } from '../analytics/query'
import { rebuildAnalytics } from '../analytics/sync/rebuild'
import { pgSource } from '../analytics/sync/source'

/**
 * `npm run analytics:rebuild [-- --json]`: recreates the analytical copy
 * (DATA_DIR/analytics/analytics.duckdb) from Postgres and the registered Parquet files into
 * a new file and swaps it in with one rename (docs/decisions/013-analytics-sync.md).
 * Migrates the database first (like the server's start). Exits 0 with a summary, 1 with
 * the reason.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } })
  if (values.help) {
    console.log('Usage: npm run analytics:rebuild [-- --json]')
    return 0
  }
  // stdout carries the summary (or its JSON): the sync's own log lines go to stderr, warnings and errors only
  setAnalyticsLogger((level, msg, fields) => {
    if (level === 'warn' || level === 'error') process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n')
  })
  const db = readDbConfig()
  const config = readAnalyticsConfig()
  let handle
  try {
    handle = await openDatabase(db)
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      console.error(
        `The embedded database in ${error.dir} is in use by another Roadshow process (pid ${error.pid}), most likely the server.\n` +
          `With the embedded database only one process may open it: stop the server, run\n` +
          `npm run analytics:rebuild again, then start the server. (On a Postgres server — DATABASE_URL —\n` +
          `the rebuild runs beside the running app, which reopens the new file by itself.)`,
      )
      return 1
    }
    throw error
  }
  try {
    await handle.migrate()
    const started = Date.now()
    const result = await rebuildAnalytics(pgSource(handle), {
      file: config.file,
      chunkRows: chunkRowsFor(handle.kind, config.chunkRows),
      memoryLimit: config.memoryLimit,
      threads: config.threads,
    })
    const seconds = (Date.now() - started) / 1000
    if (values.json) console.log(JSON.stringify({ file: config.file, seconds, rows: result.rows, tables: result.tables, previous: result.previous }))
    else {
      console.log(`Rebuilt ${config.file} from ${handle.kind === 'pglite' ? 'the embedded database' : 'the Postgres server'} in ${seconds.toFixed(1)} s:`)
      for (const [table, rows] of Object.entries(result.tables)) console.log(`  ${table.padEnd(22)} ${rows}`)
      if (result.previous === 'in-use') console.log('The running server reopens the new file at its next sync.')
    }
    return 0
  } finally {
    await handle.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`Rebuild failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  },
)
