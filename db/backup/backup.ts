import fs from 'node:fs'
import path from 'node:path'
import type { DbHandle } from '../client'
import { listFiles, writeArchive } from './archive'
import { backupConnection } from './connection'
import { dumpDatabase } from './dump'
import { codeMigrations } from './load'
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BackupError, KEPT_DIRS, MANIFEST_NAME, type Manifest } from './manifest'

export type BackupOptions = {
  dataDir: string
  /** the archive to write (replaced atomically when it exists) */
  out: string
  migrationsFolder: string
  /** rows per COPY chunk */
  chunkRows?: number
}

export type BackupSummary = {
  file: string
  kind: DbHandle['kind']
  migration: string | null
  tables: number
  rows: number
  files: number
  fileBytes: number
  archiveBytes: number
  seconds: number
}

/** Files being written right now (keepImportFile, the sales import): not yet kept, so not backed up. */
const isTemporary = (p: string) => /\.tmp(\.[a-z0-9]+)?$/i.test(p) || /\.partial$/.test(p)

export function appVersion() {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * `npm run backup`: the database's rows (a logical dump, whichever Postgres holds them) and
 * the kept part of DATA_DIR (imports/, secrets/, photos/) in one archive with a manifest. The
 * analytical store (DATA_DIR/analytics) and PGlite's own files (DATA_DIR/pg) are not in it:
 * the first is rebuilt after a restore, the second is what the dump stands for.
 * (docs/decisions/016-backup-and-restore.md)
 */
export async function createBackup(handle: DbHandle, options: BackupOptions): Promise<BackupSummary> {
  const started = Date.now()
  const out = path.resolve(options.out)
  const dataDir = path.resolve(options.dataDir)
  for (const dir of KEPT_DIRS) {
    const kept = path.join(dataDir, dir)
    if (out === kept || out.startsWith(kept + path.sep)) throw new BackupError(`Write the backup outside ${kept}: that directory is part of what is backed up.`)
  }
  if (!fs.existsSync(path.dirname(out))) throw new BackupError(`The directory ${path.dirname(out)} does not exist.`)
  const staging = path.join(path.dirname(out), `.${path.basename(out)}.${process.pid}.tmp`)
  fs.rmSync(staging, { recursive: true, force: true })
  fs.mkdirSync(staging, { mode: 0o700 })
  try {
    const dump = await dumpDatabase(backupConnection(handle), staging, { chunkRows: options.chunkRows ?? 50_000 })
    const known = codeMigrations(options.migrationsFolder)
    const lastApplied = dump.migrations.at(-1)
    const migrations: Manifest['database']['migrations'] = {
      count: dump.migrations.length,
      last: lastApplied ? { tag: known.find((m) => m.folderMillis === lastApplied.createdAt)?.tag ?? null, createdAt: lastApplied.createdAt } : null,
    }
    // listed after the database was read: an import registers its file only once the file is
    // in place, so every file the dump refers to is here (a newer one unreferenced is harmless)
    const kept = KEPT_DIRS.flatMap((dir) => listFiles(path.join(dataDir, dir), dir)).filter((p) => !isTemporary(p))
    const entries = [
      ...dump.tables.map((t) => ({ path: t.file, source: path.join(staging, ...t.file.split('/')), mode: 0o600 })),
      ...kept.map((p) => ({ path: p, source: path.join(dataDir, ...p.split('/')), mode: p.startsWith('secrets/') ? 0o600 : 0o640 })),
    ]
    const { bytes, written } = await writeArchive(out, entries, (files) => {
      const manifest: Manifest = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        createdAt: new Date().toISOString(),
        app: { version: appVersion() },
        database: { kind: handle.kind, serverVersion: dump.serverVersion, migrations },
        tables: dump.tables,
        derived: dump.derived,
        sequences: dump.sequences,
        files,
      }
      return { path: MANIFEST_NAME, bytes: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') }
    })
    const keptWritten = written.filter((w) => !w.path.startsWith('db/'))
    return {
      file: out,
      kind: handle.kind,
      migration: migrations.last?.tag ?? null,
      tables: dump.tables.length,
      rows: dump.tables.reduce((sum, t) => sum + t.rows, 0),
      files: keptWritten.length,
      fileBytes: keptWritten.reduce((sum, w) => sum + w.bytes, 0),
      archiveBytes: bytes,
      seconds: (Date.now() - started) / 1000,
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
}
