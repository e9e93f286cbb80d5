import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import { Header, Pax, extract } from 'tar'
import { ArchivePath, BackupError } from './manifest'

/**
 * The archive: a gzip-compressed tar (POSIX ustar, PAX headers where a name needs them),
 * readable with any `tar xzf`. Entries are written from wherever they live (the staged dump,
 * the data directory) under the names given, and hashed on their way in.
 */
export type ArchiveEntry = { path: string; source: string; mode: number }
export type WrittenEntry = { path: string; bytes: number; sha256: string }

const BLOCK = 512

function headerBytes(name: string, size: number, mode: number, mtime: Date) {
  const header = new Header({ path: name, mode, size, mtime, type: 'File', uid: 0, gid: 0, uname: '', gname: '' })
  const needsPax = header.encode()
  const block = header.block!
  return needsPax ? Buffer.concat([new Pax({ path: name, size, mtime }).encode(), block]) : block
}

/**
 * Writes the entries, then `last` (built from what was written: the manifest), to `file`
 * through a temporary name renamed once complete, readable by the owner only (the archive
 * holds personal data and the phone-hash key).
 */
export async function writeArchive(
  file: string,
  entries: ArchiveEntry[],
  last: (written: WrittenEntry[]) => { path: string; bytes: Buffer },
): Promise<{ bytes: number; written: WrittenEntry[] }> {
  const partial = `${file}.${process.pid}.partial`
  const written: WrittenEntry[] = []
  const mtime = new Date()
  async function* tarStream() {
    for (const entry of entries) {
      const size = fs.statSync(entry.source).size
      yield headerBytes(entry.path, size, entry.mode, mtime)
      const hash = crypto.createHash('sha256')
      let bytes = 0
      for await (const piece of fs.createReadStream(entry.source)) {
        const chunk = piece as Buffer
        bytes += chunk.length
        if (bytes > size) break
        hash.update(chunk)
        yield chunk
      }
      // a kept file never changes once written (content-addressed); one that did is not a copy
      if (bytes !== size) throw new BackupError(`${entry.path} changed while it was being backed up: run the backup again.`)
      if (size % BLOCK) yield Buffer.alloc(BLOCK - (size % BLOCK))
      written.push({ path: entry.path, bytes, sha256: hash.digest('hex') })
    }
    const final = last(written)
    yield headerBytes(final.path, final.bytes.length, 0o600, mtime)
    yield final.bytes
    if (final.bytes.length % BLOCK) yield Buffer.alloc(BLOCK - (final.bytes.length % BLOCK))
    yield Buffer.alloc(BLOCK * 2)
  }
  try {
    await pipeline(tarStream, zlib.createGzip(), fs.createWriteStream(partial, { flags: 'wx', mode: 0o600 }))
    const fd = fs.openSync(partial, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(partial, file)
  } catch (error) {
    fs.rmSync(partial, { force: true })
    throw error
  }
  return { bytes: fs.statSync(file).size, written }
}

/**
 * Unpacks the archive into `dir` (empty, created here). Only plain files and directories with
 * plain relative names are accepted: a link, a device, an absolute name or `..` makes the
 * whole archive unreadable, as does any damage the tar or gzip layer notices.
 */
export async function extractArchive(file: string, dir: string) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  const refused: string[] = []
  const problems: string[] = []
  try {
    await extract({
      file,
      cwd: dir,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      noMtime: true,
      filter: (name, entry) => {
        const type = 'type' in entry ? entry.type : 'File'
        const clean = name.replace(/\/+$/, '')
        const ok = (type === 'File' || type === 'Directory') && ArchivePath.safeParse(clean).success
        if (!ok) refused.push(`${type} ${JSON.stringify(name)}`)
        return ok
      },
      onwarn: (_code, message) => {
        problems.push(String(message))
      },
    })
  } catch (error) {
    throw new BackupError(`${path.basename(file)} is not a readable backup archive: ${(error as Error).message}`)
  }
  if (problems.length) throw new BackupError(`${path.basename(file)} is not a readable backup archive: ${problems[0]}`)
  if (refused.length) throw new BackupError(`${path.basename(file)} holds entries a backup never has (${refused.slice(0, 3).join(', ')}): refused.`)
}

/** Every regular file under `dir`, as `/`-joined paths relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return []
  const found: string[] = []
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) found.push(...listFiles(path.join(dir, entry.name), rel))
    else if (entry.isFile()) found.push(rel)
  }
  return found.sort()
}

export async function sha256File(file: string) {
  const hash = crypto.createHash('sha256')
  for await (const piece of fs.createReadStream(file)) hash.update(piece as Buffer)
  return hash.digest('hex')
}
