import fs from 'node:fs/promises'
import path from 'node:path'
import { getEnv } from '../utils/env.server'
import { isFileHash, sha256, writeFileOnce } from './import-files.server'

/** The picture types an observation's photo may have, told by their first bytes, not by the name or the browser's word. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const
export type PhotoType = (typeof PHOTO_TYPES)[number]

export function photoTypeOf(bytes: Uint8Array): PhotoType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (bytes.length >= 8 && Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png'
  if (bytes.length >= 12 && Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' && Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP') return 'image/webp'
  return null
}

const photoPath = (hash: string) => {
  if (!isFileHash(hash)) throw new Error('not a sha256 file hash')
  return path.join(path.resolve(getEnv().DATA_DIR, 'photos'), hash)
}

/** Keeps a photo content-addressed under DATA_DIR/photos: the same picture twice is one file. */
export async function keepPhoto(bytes: Uint8Array): Promise<string> {
  const hash = sha256(bytes)
  await writeFileOnce(photoPath(hash), bytes)
  return hash
}

/** The photo's bytes, or null when the file is gone. */
export async function readPhoto(hash: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(photoPath(hash))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}
