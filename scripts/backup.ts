import path from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { migrationsFolder } from '../db/client'
import { readDbConfig } from '../db/config'
import { createBackup } from '../db/backup/backup'
import { BackupError } from '../db/backup/manifest'
import { formatBytes, openForBackup, usageError } from './lib/open-for-backup'

/**
 * `npm run backup [-- --out FILE] [--json]`: writes one archive (.tar.gz) holding a logical
 * dump of the database (PGlite or a Postgres server) and DATA_DIR's kept files (imports/,
 * secrets/, photos/), with a manifest of sizes and sha256 checksums. The analytical store is not in
 * it: `npm run restore` rebuilds it. With the embedded database stop the server first; on a
 * Postgres server the backup reads one consistent snapshot beside the running app.
 * Exits 0 with a summary, 1 with the reason (docs/decisions/016-backup-and-restore.md).
 */
const USAGE = 'Usage: npm run backup [-- --out FILE] [--json]'

const ArgsSchema = z.object({
  out: z
    .string()
    .trim()
    .min(1, '--out needs a file name')
    .refine((p) => !p.endsWith('/') && !p.endsWith(path.sep), '--out names a file, not a directory')
    .optional(),
  json: z.boolean(),
  help: z.boolean(),
})

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')

async function main(): Promise<number> {
  let raw
  try {
    raw = parseArgs({
      options: {
        out: { type: 'string', short: 'o' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values
  } catch (error) {
    throw usageError((error as Error).message, USAGE)
  }
  const parsed = ArgsSchema.safeParse(raw)
  if (!parsed.success) throw usageError(parsed.error.issues[0]!.message, USAGE)
  const args = parsed.data
  if (args.help) {
    console.log(USAGE)
    return 0
  }
  const config = readDbConfig()
  const out = path.resolve(args.out ?? `roadshow-backup-${stamp(new Date())}.tar.gz`)
  const handle = await openForBackup(config, 'backup')
  try {
    const summary = await createBackup(handle, { dataDir: config.dataDir, out, migrationsFolder })
    if (args.json) {
      console.log(JSON.stringify({ ok: true, ...summary }))
    } else {
      const from = summary.kind === 'pglite' ? 'the embedded database' : 'the Postgres server'
      console.log(`Backed up ${from} (migration ${summary.migration ?? 'none'}) and ${config.dataDir} to ${summary.file}:`)
      console.log(`  ${summary.tables} tables, ${summary.rows} rows; ${summary.files} kept files (${formatBytes(summary.fileBytes)})`)
      console.log(`  archive ${formatBytes(summary.archiveBytes)}, ${summary.seconds.toFixed(1)} s`)
      console.log('The archive holds personal data and the phone-hash key: keep it as safe as the database.')
    }
    // the key made under DATA_DIR/secrets is in the archive; one from the environment is not
    if (process.env.PHONE_HASH_KEY) console.error('PHONE_HASH_KEY is set: it is not in the archive. Keep it with the backups: without it phones no longer match.')
    return 0
  } finally {
    await handle.close()
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const message = error instanceof BackupError ? error.message : `Backup failed: ${error instanceof Error ? error.message : String(error)}`
    if (process.argv.includes('--json')) console.log(JSON.stringify({ ok: false, error: message }))
    console.error(message)
    process.exit(1)
  },
)
