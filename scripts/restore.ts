import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { migrationsFolder } from '../db/client'
import { readDbConfig } from '../db/config'
import { BackupError } from '../db/backup/manifest'
import { discardArchive, openArchive, placeKeptFiles, restoreDatabase } from '../db/backup/restore'
import { chunkRowsFor, readAnalyticsConfig } from '../analytics/config'
import { setAnalyticsLogger } from '../analytics/query'
import { formatBytes, openForBackup, usageError } from './lib/open-for-backup'

/**
 * `npm run restore -- FILE [--force] [--json]`: restores an archive of `npm run backup` into
 * the configured database (PGlite under DATA_DIR, or DATABASE_URL) and DATA_DIR, then
 * rebuilds the analytical store. The archive is checked (format, migration level, every
 * file's sha256) before anything is touched; a database or DATA_DIR that already holds data
 * is refused unless --force. The database is loaded in one transaction: a failure leaves it
 * as it was. Exits 0 with a summary, 1 with the reason (docs/decisions/016-backup-and-restore.md).
 */
const USAGE = 'Usage: npm run restore -- FILE [--force] [--json]'

const ArgsSchema = z.object({
  file: z.string().trim().min(1),
  force: z.boolean(),
  json: z.boolean(),
})

async function main(): Promise<number> {
  let raw
  try {
    raw = parseArgs({
      allowPositionals: true,
      options: {
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    throw usageError((error as Error).message, USAGE)
  }
  if (raw.values.help) {
    console.log(USAGE)
    return 0
  }
  if (raw.positionals.length !== 1) throw usageError(raw.positionals.length ? 'Name one archive to restore.' : 'Name the archive to restore.', USAGE)
  const parsed = ArgsSchema.safeParse({ file: raw.positionals[0], force: raw.values.force, json: raw.values.json })
  if (!parsed.success) throw usageError(parsed.error.issues[0]!.message, USAGE)
  const args = parsed.data
  const started = Date.now()
  const config = readDbConfig()
  const analytics = readAnalyticsConfig()
  setAnalyticsLogger((level, msg, fields) => {
    if (level === 'warn' || level === 'error') process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + '\n')
  })

  // checked whole before the database is opened
  const archive = await openArchive(path.resolve(args.file), { dataDir: config.dataDir, migrationsFolder })
  try {
    const handle = await openForBackup(config, 'restore')
    try {
      const loaded = await restoreDatabase(handle, archive, { dataDir: config.dataDir, force: args.force })
      placeKeptFiles(archive, config.dataDir)
      const keptBytes = archive.keptFiles.reduce((sum, f) => sum + f.bytes, 0)
      const to = handle.kind === 'pglite' ? 'the embedded database' : 'the Postgres server'
      const m = archive.manifest
      if (!args.json) {
        console.log(`Restored ${path.basename(archive.file)} (made ${m.createdAt}, migration ${m.database.migrations.last?.tag ?? 'none'}) into ${to} and ${config.dataDir}:`)
        console.log(`  ${Object.keys(loaded.tables).length} tables, ${loaded.rows} rows; ${archive.keptFiles.length} kept files (${formatBytes(keptBytes)})`)
      }
      // the analytical copy follows the database it was made from: after a restore it is made anew
      let rebuilt
      try {
        // loaded here: the database and files are restored whatever becomes of the derived copy
        const { rebuildAnalytics } = await import('../analytics/sync/rebuild')
        const { pgSource } = await import('../analytics/sync/source')
        rebuilt = await rebuildAnalytics(pgSource(handle), {
          file: analytics.file,
          chunkRows: chunkRowsFor(handle.kind, analytics.chunkRows),
          memoryLimit: analytics.memoryLimit,
          threads: analytics.threads,
        })
      } catch (error) {
        // a copy of what the database held before must not be read as the restored one's:
        // without the live name the next start syncs a new copy from scratch
        fs.rmSync(analytics.file, { force: true })
        throw new BackupError(
          `The database and files were restored, but the analytical store could not be rebuilt (${(error as Error).message}).\n` +
            'Run npm run analytics:rebuild, or start the server: it makes a new copy by itself.',
        )
      }
      const seconds = (Date.now() - started) / 1000
      if (args.json) {
        console.log(
          JSON.stringify({
            ok: true,
            kind: handle.kind,
            tables: loaded.tables,
            rows: loaded.rows,
            files: archive.keptFiles.length,
            fileBytes: keptBytes,
            analytics: { file: analytics.file, rows: rebuilt.rows },
            seconds,
          }),
        )
      } else {
        console.log(`Rebuilt the analytical store ${analytics.file}: ${Object.keys(rebuilt.tables).length} tables, ${rebuilt.rows} rows`)
        console.log(`Done in ${seconds.toFixed(1)} s.`)
      }
      return 0
    } finally {
      await handle.close()
    }
  } finally {
    discardArchive(archive)
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const message = error instanceof BackupError ? error.message : `Restore failed: ${error instanceof Error ? error.message : String(error)}`
    if (process.argv.includes('--json')) console.log(JSON.stringify({ ok: false, error: message }))
    console.error(message)
    process.exit(1)
  },
)
