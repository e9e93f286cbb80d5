import crypto from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { getEnv } from '../utils/env.server'

/**
 * Uploaded exports are kept as they came, content-addressed: DATA_DIR/imports/<sha256>.<ext>.
 * The same bytes always land on the same name, so keeping a file twice is harmless, and
 * the preview step can hand the confirm step nothing but the hash. (ADR 001: the
 * analytics work converts these to Parquet; until then the original is what is kept.)
 */
export const IMPORT_FILE_EXTS = ['csv', 'xlsx'] as const
export type ImportFileExt = (typeof IMPORT_FILE_EXTS)[number]

export const isFileHash = (s: string) => /^[0-9a-f]{64}$/.test(s)

export function sha256(bytes: Uint8Array) {
  return crypto.createHash('sha256').update(bytes).digest('hex')
}

export function importsDir() {
  return path.resolve(getEnv().DATA_DIR, 'imports')
}

export function importFilePath(hash: string, ext: ImportFileExt) {
  if (!isFileHash(hash)) throw new Error('not a sha256 file hash')
  return path.join(importsDir(), `${hash}.${ext}`)
}

/** Writes the file once, atomically: a temporary name in the same directory, then rename. */
export async function keepImportFile(bytes: Uint8Array, ext: ImportFileExt) {
  const hash = sha256(bytes)
  const target = importFilePath(hash, ext)
  await fs.mkdir(path.dirname(target), { recursive: true })
  try {
    await fs.access(target)
    return { hash, path: target }
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
  return { hash, path: target }
}

/** The kept file's bytes, or null when there is no such file. */
export async function readImportFile(hash: string, ext: ImportFileExt): Promise<Buffer | null> {
  try {
    return await fs.readFile(importFilePath(hash, ext))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}
