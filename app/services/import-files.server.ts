import crypto from 'node:crypto'
import fsSync from 'node:fs'
import fs from 'node:fs/promises'
import path from 'node:path'
import { and, eq, inArray, lt } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { importRows, imports, importUploads } from '../../db/schema'
import type { MessageKey } from '../i18n'
import { getEnv } from '../utils/env.server'
import { describeError, log } from '../utils/logger.server'
import type { ReceivedFile } from '../utils/upload.server'

/**
 * Uploaded exports are kept as they came, content-addressed: DATA_DIR/imports/<sha256>.<ext>.
 * The same bytes always land on the same name, so keeping a file twice is harmless, and
 * the preview step can hand the confirm step nothing but the hash. (ADR 001: the
 * analytics work converts these to Parquet; until then the original is what is kept.)
 */
export const IMPORT_FILE_EXTS = ['csv', 'xlsx'] as const
export type ImportFileExt = (typeof IMPORT_FILE_EXTS)[number]
/** Sales exports may also come as Parquet (SPEC §4). */
export type KeptFileExt = ImportFileExt | 'parquet'

export const isFileHash = (s: string) => /^[0-9a-f]{64}$/.test(s)

export function sha256(bytes: Uint8Array) {
  return crypto.createHash('sha256').update(bytes).digest('hex')
}

export function importsDir() {
  return path.resolve(getEnv().DATA_DIR, 'imports')
}

export function importFilePath(hash: string, ext: KeptFileExt) {
  if (!isFileHash(hash)) throw new Error('not a sha256 file hash')
  return path.join(importsDir(), `${hash}.${ext}`)
}

/** Writes the file once, atomically: a temporary name in the same directory, then rename. */
export async function keepImportFile(bytes: Uint8Array, ext: KeptFileExt) {
  const hash = sha256(bytes)
  const target = importFilePath(hash, ext)
  await writeFileOnce(target, bytes)
  return { hash, path: target }
}

/**
 * Writes content-addressed bytes to `target` unless they are there already: a temporary name in
 * the same directory, synced, then renamed, so a reader never sees half a file.
 */
export async function writeFileOnce(target: string, bytes: Uint8Array) {
  await fs.mkdir(path.dirname(target), { recursive: true })
  try {
    await fs.access(target)
    return
  } catch {
    // not kept yet
  }
  const temp = `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`
  const handle = await fs.open(temp, 'wx', 0o640)
  try {
    await handle.writeFile(bytes)
    await handle.sync()
  } finally {
    await handle.close()
  }
  await fs.rename(temp, target)
}

/** The kept file's bytes, or null when there is no such file. */
export async function readImportFile(hash: string, ext: KeptFileExt): Promise<Buffer | null> {
  try {
    return await fs.readFile(importFilePath(hash, ext))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/**
 * Uploads not confirmed within a day expire: their records go (they can no longer be
 * confirmed), and so do their files once a day old (and temporary files left by a killed
 * write after an hour). A file that an import refers to, or that someone uploaded again
 * within the day, is never removed. Called after each upload; cheap when nothing is to do.
 */
export async function pruneUnconfirmedUploads(now = Date.now(), maxAgeMs = 86_400_000) {
  const dir = importsDir()
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch {
    return []
  }
  const db = await getDb()
  await db.delete(importUploads).where(lt(importUploads.createdAt, new Date(now - maxAgeMs)))
  const removed: string[] = []
  const candidates: Array<{ name: string; hash: string }> = []
  for (const name of names) {
    const full = path.join(dir, name)
    const stat = await fs.stat(full).catch(() => null)
    if (!stat?.isFile()) continue
    if (name.endsWith('.tmp')) {
      if (now - stat.mtimeMs > 3_600_000) {
        await fs.rm(full, { force: true })
        removed.push(name)
      }
      continue
    }
    const hash = name.split('.')[0]!
    if (isFileHash(hash) && now - stat.mtimeMs > maxAgeMs) candidates.push({ name, hash })
  }
  if (!candidates.length) return removed
  const hashes = candidates.map((c) => c.hash)
  const used = await db.select({ hash: imports.fileHash }).from(imports).where(inArray(imports.fileHash, hashes))
  const uploaded = await db.select({ hash: importUploads.fileHash }).from(importUploads).where(inArray(importUploads.fileHash, hashes))
  const keep = new Set([...used, ...uploaded].map((u) => u.hash))
  for (const c of candidates) {
    if (keep.has(c.hash)) continue
    await fs.rm(path.join(dir, c.name), { force: true })
    removed.push(c.name)
  }
  return removed
}

// ------------------------------------------------------------------ uploads (ADR 012)

export type ImportUpload = typeof importUploads.$inferSelect

/**
 * The upload step's file (streamed to a temporary file by receiveUploadToDisk) under its
 * content-addressed name, and the record of who uploaded it for which store and import kind
 * (ADR 012): only that user may preview it again and confirm it, only into that store.
 */
export async function keepReceivedUpload(userId: string, storeId: string, kind: string, file: ReceivedFile, ext: KeptFileExt): Promise<ImportUpload> {
  const target = importFilePath(file.hash, ext)
  if (isFile(target)) await fs.rm(file.temp, { force: true })
  else await fs.rename(file.temp, target)
  const db = await getDb()
  const [upload] = await db
    .insert(importUploads)
    .values({ storeId, uploadedById: userId, kind, fileName: file.fileName, fileHash: file.hash, ext, byteSize: file.size })
    .returning()
  await pruneUnconfirmedUploads().catch((error) => log('warn', 'could not prune old uploads', { error: describeError(error) }))
  return upload!
}

function isFile(target: string) {
  try {
    return fsSync.statSync(target).isFile()
  } catch {
    return false
  }
}

/** An upload that cannot be used: unknown (404), or someone else's or another store's (403); `error` says why in the user's language. */
export class UploadRefused extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    readonly error: { key: MessageKey; params: Record<string, string | number> },
  ) {
    super(error.key)
  }
}

/** An upload of this kind can be previewed again and confirmed only by whoever uploaded it, into its store (ADR 012). */
export async function requireOwnUpload(userId: string, uploadId: string, storeId: string, kind: string): Promise<ImportUpload> {
  const db = await getDb()
  const [upload] = await db.select().from(importUploads).where(and(eq(importUploads.id, uploadId), eq(importUploads.kind, kind)))
  if (!upload) throw new UploadRefused(404, { key: 'imports.error.uploadNotFound', params: {} })
  if (upload.uploadedById !== userId || upload.storeId !== storeId) {
    log('warn', 'import of another upload refused', { kind, uploadId: upload.id, userId, storeId })
    throw new UploadRefused(403, { key: 'imports.error.uploadNotYours', params: {} })
  }
  return upload
}

/** The files in `dir` whose names `wanted` takes; none when the folder is not there. */
export function filesIn(dir: string, wanted: (name: string) => boolean) {
  try {
    return fsSync.readdirSync(dir).filter(wanted).map((name) => path.join(dir, name))
  } catch {
    return []
  }
}

/**
 * Removes what killed import runs left (temporary Parquet files, staged rows) once it is
 * `maxAgeMs` old — an hour unless told: a live run writes or renames its files sooner.
 */
export function removeStaleFiles(files: readonly string[], maxAgeMs = 3_600_000) {
  for (const file of files) {
    try {
      if (Date.now() - fsSync.statSync(file).mtimeMs > maxAgeMs) fsSync.rmSync(file, { force: true })
    } catch {
      // gone meanwhile
    }
  }
}

/** Where an import stages its rows while it runs (DATA_DIR/tmp): removed when it ends, swept at start. */
export function importTmpDir() {
  return path.resolve(getEnv().DATA_DIR, 'tmp')
}

/**
 * The completed import of this file with this mapping into the store, if there is one: what
 * "the same import" means for the imports that keep a Parquet copy (sales, market data).
 */
export async function doneImportOf(kind: string, storeId: string, fileHash: string, mappingHash: string) {
  const db = await getDb()
  const [found] = await db
    .select()
    .from(imports)
    .where(and(eq(imports.storeId, storeId), eq(imports.kind, kind), eq(imports.fileHash, fileHash), eq(imports.mappingHash, mappingHash), eq(imports.status, 'done')))
  return found ?? null
}

/** An import's first refused rows in file order: what its result lists before the full report. */
export async function firstFailedRows(importId: string, limit: number) {
  const db = await getDb()
  return db
    .select({ rowNumber: importRows.rowNumber, column: importRows.column, reason: importRows.reason })
    .from(importRows)
    .where(and(eq(importRows.importId, importId), eq(importRows.outcome, 'failed')))
    .orderBy(importRows.rowNumber, importRows.id)
    .limit(limit)
}
