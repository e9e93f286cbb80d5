import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { sql } from 'drizzle-orm'
import { rowsOf, type Db } from '../../db/client'
import { keyFingerprints } from '../../db/schema'
import { getEnv } from './env.server'
import { log } from './logger.server'

let key: Buffer | undefined

/**
 * The key of the phone hash. PHONE_HASH_KEY when set (required when several servers share
 * one database: they must hash alike); otherwise a random key kept in DATA_DIR/secrets,
 * made on first use. Losing the key means phones no longer match across imports.
 */
export function phoneHashKey(): Buffer {
  if (key) return key
  const env = getEnv()
  if (env.PHONE_HASH_KEY) {
    key = Buffer.from(env.PHONE_HASH_KEY, 'utf8')
    return key
  }
  const file = path.resolve(env.DATA_DIR, 'secrets', 'phone-hash.key')
  try {
    key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
    const fresh = crypto.randomBytes(32).toString('base64')
    try {
      fs.writeFileSync(file, fresh + '\n', { flag: 'wx', mode: 0o600 })
      if (env.DATABASE_URL) log('warn', 'PHONE_HASH_KEY is not set: a key was made under DATA_DIR; set PHONE_HASH_KEY when several servers share the database')
    } catch {
      // another process made it first: use theirs
    }
    key = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64')
  }
  return key
}

/** Reads the key again on next use (tests that change PHONE_HASH_KEY). */
export function forgetPhoneHashKey() {
  key = undefined
}

/** Keyed hash of a normalized 11-digit mobile number: the matching key of leads and sales. */
export function hashPhone(phone: string): string {
  return crypto.createHmac('sha256', phoneHashKey()).update(`phone:${phone}`).digest('hex')
}

/** Keyed hash of a client address, for counting distinct clickers without keeping addresses. */
export function hashIp(ip: string): string {
  return crypto.createHmac('sha256', phoneHashKey()).update(`ip:${ip}`).digest('hex').slice(0, 32)
}

/** What the database keeps of the key: an HMAC of a fixed text, from which the key cannot be found. */
export function phoneHashKeyFingerprint(k: Buffer = phoneHashKey()): string {
  return crypto.createHmac('sha256', k).update('roadshow:phone-hash-key-fingerprint').digest('hex').slice(0, 32)
}

export class PhoneHashKeyMismatchError extends Error {
  constructor() {
    super(
      'PHONE_HASH_KEY is not the key this database was started with: phones hashed under it would match no lead or sale hashed before. ' +
        'Start with the original key (PHONE_HASH_KEY, or DATA_DIR/secrets/phone-hash.key as it was), the same on every server (docs/decisions/031-beyond-one-server.md).',
    )
    this.name = 'PhoneHashKeyMismatchError'
  }
}

/**
 * At a server's start: the first start records the key's fingerprint, every later one must
 * have the same key, or it refuses to run (a second server with another PHONE_HASH_KEY, or a
 * DATA_DIR whose key file was lost or replaced). Run before anything hashes a phone.
 */
export async function checkPhoneHashKey(db: Db): Promise<void> {
  const fingerprint = phoneHashKeyFingerprint()
  // the first server keeps its key's fingerprint; any later one reads it (one statement: the
  // insert's row, or the row that was there, whichever the database holds)
  const [row] = rowsOf<{ fingerprint: string }>(
    await db.execute(sql`
      with kept as (insert into ${keyFingerprints} (name, fingerprint) values ('phone_hash', ${fingerprint}) on conflict do nothing returning fingerprint)
      select fingerprint from kept
      union all select ${keyFingerprints.fingerprint} from ${keyFingerprints} where ${keyFingerprints.name} = 'phone_hash'
      limit 1`),
  )
  if (row?.fingerprint !== fingerprint) throw new PhoneHashKeyMismatchError()
}
