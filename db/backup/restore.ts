import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import type { DbHandle } from '../client'
import { extractArchive, listFiles, sha256File } from './archive'
import { tablesWithRows } from './catalog'
import { backupConnection } from './connection'
import { codeMigrations, loadDatabase, migrationsUpTo } from './load'
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BackupError, KEPT_DIRS, keptDirsOf, MANIFEST_NAME, ManifestSchema, READABLE_FORMAT_VERSIONS, type KeptDir, type Manifest } from './manifest'

/** An archive unpacked into a staging directory and checked: nothing else has been touched yet. */
export type OpenedArchive = {
  file: string
  dir: string
  manifest: Manifest
  migrations: ReturnType<typeof codeMigrations>
  /** the kept directories it carries (photos/ from format 2 on): a restore replaces these */
  keptDirs: readonly KeptDir[]
  /** the kept files (imports/, secrets/, photos/) it holds */
  keptFiles: Manifest['files']
}

/**
 * Unpacks `file` into a new staging directory under DATA_DIR (so that kept files move into
 * place by rename) and checks it before anything else is touched: a Roadshow archive of a
 * format this code reads, at a migration level this code knows, every file present with
 * the size and sha256 the manifest gives, and nothing else in it.
 */
export async function openArchive(file: string, options: { dataDir: string; migrationsFolder: string }): Promise<OpenedArchive> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new BackupError(`No backup archive at ${file}.`)
  fs.mkdirSync(options.dataDir, { recursive: true })
  const dir = path.join(options.dataDir, `.restore-${process.pid}-${Date.now().toString(36)}`)
  try {
    await extractArchive(file, dir)
    const manifestPath = path.join(dir, MANIFEST_NAME)
    if (!fs.existsSync(manifestPath)) throw new BackupError(`${path.basename(file)} has no ${MANIFEST_NAME}: not a Roadshow backup.`)
    let raw: unknown
    try {
      raw = JSON.parse(fs.readFileSync(manifestPath, 'utf8'))
    } catch {
      throw new BackupError(`The ${MANIFEST_NAME} of ${path.basename(file)} is not JSON: not a Roadshow backup, or a damaged one.`)
    }
    const header = z.object({ format: z.string(), formatVersion: z.number() }).safeParse(raw)
    if (!header.success || header.data.format !== BACKUP_FORMAT) throw new BackupError(`${path.basename(file)} is not a Roadshow backup.`)
    if (!(READABLE_FORMAT_VERSIONS as readonly number[]).includes(header.data.formatVersion)) {
      throw new BackupError(
        `${path.basename(file)} is a backup of format ${header.data.formatVersion}; this version of Roadshow reads formats ${READABLE_FORMAT_VERSIONS.join(' and ')}. ` +
          (header.data.formatVersion > BACKUP_FORMAT_VERSION ? 'Restore it with the newer version that made it.' : ''),
      )
    }
    const parsed = ManifestSchema.safeParse(raw)
    if (!parsed.success) throw new BackupError(`The ${MANIFEST_NAME} of ${path.basename(file)} is damaged: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`)
    const manifest = parsed.data
    await verifyFiles(dir, manifest, path.basename(file))
    const migrations = migrationsUpTo(manifest, codeMigrations(options.migrationsFolder))
    const keptDirs = keptDirsOf(manifest.formatVersion)
    const keptFiles = manifest.files.filter((f) => keptDirs.some((d) => f.path.startsWith(`${d}/`)))
    // every entry is the database's or a kept directory's: anything else would be left behind unread
    const stray = manifest.files.find((f) => !f.path.startsWith('db/') && !keptFiles.includes(f))
    if (stray) throw new BackupError(`${path.basename(file)} holds ${stray.path}, which a backup of format ${manifest.formatVersion} never has: refused.`)
    return { file, dir, manifest, migrations, keptDirs, keptFiles }
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

async function verifyFiles(dir: string, manifest: Manifest, name: string) {
  const listed = new Map(manifest.files.map((f) => [f.path, f]))
  for (const t of manifest.tables) if (!listed.has(t.file)) throw new BackupError(`${name}: the manifest names no checksum for ${t.file}.`)
  for (const p of listFiles(dir)) {
    if (p !== MANIFEST_NAME && !listed.has(p)) throw new BackupError(`${name} holds ${p}, which its manifest does not list: refused.`)
  }
  for (const f of manifest.files) {
    const onDisk = path.join(dir, ...f.path.split('/'))
    if (!fs.existsSync(onDisk)) throw new BackupError(`${name} is incomplete: ${f.path} is missing.`)
    const bytes = fs.statSync(onDisk).size
    if (bytes !== f.bytes || (await sha256File(onDisk)) !== f.sha256) {
      throw new BackupError(`${name} is damaged: ${f.path} does not match its checksum in the manifest. Nothing was restored.`)
    }
  }
}

export function discardArchive(archive: OpenedArchive) {
  fs.rmSync(archive.dir, { recursive: true, force: true })
}

/** What the target already holds: tables with rows, and kept files under DATA_DIR. */
export async function targetContents(handle: DbHandle, dataDir: string) {
  const tables = await backupConnection(handle).transaction((tx) => tablesWithRows(tx))
  const files = KEPT_DIRS.flatMap((d) => listFiles(path.join(dataDir, d), d))
  return { tables, files }
}

/**
 * Loads the archive's rows into the database (one transaction: all or nothing), then applies
 * this code's later migrations. A target that already holds rows, or kept files under
 * DATA_DIR, is refused unless `force`: then they are replaced.
 */
export async function restoreDatabase(handle: DbHandle, archive: OpenedArchive, options: { dataDir: string; force: boolean; chunkBytes?: number }) {
  if (!options.force) {
    const found = await targetContents(handle, options.dataDir)
    if (found.tables.length || found.files.length) {
      const parts = [
        found.tables.length ? `the database holds rows in ${found.tables.length} tables (${found.tables.slice(0, 5).join(', ')}${found.tables.length > 5 ? ', …' : ''})` : '',
        found.files.length ? `${options.dataDir} holds ${found.files.length} kept files (${KEPT_DIRS.join('/, ')}/)` : '',
      ].filter(Boolean)
      throw new BackupError(`The target is not empty: ${parts.join(' and ')}. A restore replaces all of it: run again with --force to do so.`)
    }
  }
  const loaded = await loadDatabase(backupConnection(handle), archive.dir, archive.manifest, archive.migrations, { chunkBytes: options.chunkBytes ?? 8 << 20 })
  // the archive's level is this code's or older: bring it up to date as a start would
  await handle.migrate()
  return loaded
}

/**
 * Puts the archive's kept files in place of DATA_DIR/imports, DATA_DIR/secrets and
 * DATA_DIR/photos: the directories there are moved aside (into the staging directory, deleted
 * with it) and the archive's moved in, each with one rename. A format-1 archive carries no
 * photos: DATA_DIR/photos is left as it is.
 */
export function placeKeptFiles(archive: OpenedArchive, dataDir: string) {
  const aside = path.join(archive.dir, '.replaced')
  fs.mkdirSync(aside, { recursive: true })
  for (const dir of archive.keptDirs) {
    const live = path.join(dataDir, dir)
    const staged = path.join(archive.dir, dir)
    if (fs.existsSync(live)) fs.renameSync(live, path.join(aside, dir))
    if (fs.existsSync(staged)) fs.renameSync(staged, live)
  }
  const secrets = path.join(dataDir, 'secrets')
  if (fs.existsSync(secrets)) {
    fs.chmodSync(secrets, 0o700)
    for (const p of listFiles(secrets)) fs.chmodSync(path.join(secrets, ...p.split('/')), 0o600)
  }
}
