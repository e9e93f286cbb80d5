import { hash, verify } from '@node-rs/argon2'

// argon2id (the library's default algorithm) with OWASP's second recommended profile: m=19 MiB, t=2, p=1
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const

export function hashPassword(password: string) {
  return hash(password, OPTIONS)
}

export async function verifyPassword(passwordHash: string, password: string) {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

let common: Set<string> | undefined

/** The passwords people pick most (zxcvbn's list of about 30,000), loaded on first use. */
async function commonPasswords() {
  if (!common) {
    const { dictionary } = await import('@zxcvbn-ts/language-common')
    common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()))
  }
  return common
}

/**
 * What is wrong with a new password (NIST SP 800-63B): shorter than 10 characters, one of
 * the commonly used passwords, or the account's own email or name. An i18n key, or null.
 * The zod schemas check the length too; this is the server-side check they cannot do.
 */
export async function passwordProblem(password: string, account: { email?: string; name?: string } = {}) {
  if ([...password].length < 10) return 'validation.tooShort?min=10'
  const lower = password.trim().toLowerCase()
  const list = await commonPasswords()
  // "Password123!" is as guessable as "password123": try it without the usual decorations
  const bare = lower.replace(/[^\p{L}\p{N}]+$/u, '')
  if (list.has(lower) || list.has(bare) || /^(.)\1+$/u.test(lower) || isSequence(lower)) return 'validation.passwordCommon'
  const email = account.email?.trim().toLowerCase()
  const name = account.name?.trim().toLowerCase().replace(/\s+/g, '')
  const personal = [email, email?.split('@')[0], name].filter((v): v is string => Boolean(v && v.length >= 3))
  if (personal.some((v) => lower.replace(/\s+/g, '').includes(v))) return 'validation.passwordPersonal'
  return null
}

/** 1234567890, abcdefghijk, 9876543210: a run of consecutive characters. */
function isSequence(text: string) {
  const codes = [...text].map((c) => c.codePointAt(0)!)
  const steps = new Set(codes.slice(1).map((c, i) => c - codes[i]!))
  return steps.size === 1 && [...steps][0]! !== 0 && Math.abs([...steps][0]!) === 1
}
