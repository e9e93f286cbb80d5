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
