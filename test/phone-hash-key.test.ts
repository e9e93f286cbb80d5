import { eq } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { keyFingerprints } from '../db/schema'
import { forgetEnv } from '../app/utils/env.server'
import { checkPhoneHashKey, forgetPhoneHashKey, hashPhone, PhoneHashKeyMismatchError, phoneHashKeyFingerprint } from '../app/utils/phone-hash.server'

/**
 * Every server of an installation hashes phones with one key (ADR 031): the first start records
 * the key's fingerprint, a start with another key is refused before it hashes anything.
 */
const ORIGINAL = process.env.PHONE_HASH_KEY

function useKey(value: string | undefined) {
  if (value === undefined) delete process.env.PHONE_HASH_KEY
  else process.env.PHONE_HASH_KEY = value
  forgetEnv()
  forgetPhoneHashKey()
}

afterEach(() => useKey(ORIGINAL))

describe('the phone-hash key of an installation', () => {
  it('is recorded at the first start as a fingerprint (not the key), and the same key starts again', async () => {
    const db = await getDb()
    await checkPhoneHashKey(db)
    const rows = await db.select().from(keyFingerprints)
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ name: 'phone_hash', fingerprint: phoneHashKeyFingerprint() })
    expect(rows[0]!.fingerprint).not.toContain(ORIGINAL!)
    await expect(checkPhoneHashKey(db)).resolves.toBeUndefined()
  })

  it('refuses another key, saying what to do, and keeps the recorded one', async () => {
    const db = await getDb()
    await checkPhoneHashKey(db)
    const before = hashPhone('13800138000')
    useKey('another-installation-key-0123456789')
    // the same phone under the other key: nothing would match
    expect(hashPhone('13800138000')).not.toBe(before)
    const refused = checkPhoneHashKey(db)
    await expect(refused).rejects.toBeInstanceOf(PhoneHashKeyMismatchError)
    await expect(refused).rejects.toThrow(/PHONE_HASH_KEY is not the key this database was started with.*original key/)
    useKey(ORIGINAL)
    const [row] = await db.select().from(keyFingerprints).where(eq(keyFingerprints.name, 'phone_hash'))
    expect(row!.fingerprint).toBe(phoneHashKeyFingerprint())
    await expect(checkPhoneHashKey(db)).resolves.toBeUndefined()
  })
})
