import { openDatabase, type DbHandle } from '../../db/client'
import type { DbConfig } from '../../db/config'
import { DataDirLockedError } from '../../db/lock'
import { BackupError } from '../../db/backup/manifest'

/**
 * Opens the configured database for `npm run backup` / `npm run restore`. The embedded
 * database allows one process per data directory: when the server holds it, the command
 * says so and how to go on.
 */
export async function openForBackup(config: DbConfig, command: 'backup' | 'restore'): Promise<DbHandle> {
  try {
    return await openDatabase(config)
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      throw new BackupError(
        `The embedded database in ${error.dir} is in use by another Roadshow process (pid ${error.pid}), most likely the server.\n` +
          `With the embedded database only one process may open it: stop the server, run npm run ${command} again, then start the server.\n` +
          (command === 'backup'
            ? '(On a Postgres server — DATABASE_URL — the backup runs beside the running app.)'
            : '(On a Postgres server — DATABASE_URL — stop the app as well while it restores.)'),
      )
    }
    throw error
  }
}

export function formatBytes(bytes: number) {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(1)} ${units[unit]}`
}

/** Parses argv with zod after node's own parser, so a bad option is reported like a bad value. */
export function usageError(message: string, usage: string) {
  return new BackupError(`${message}\n${usage}`)
}
