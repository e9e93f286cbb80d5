import { and, asc, eq, like } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { users } from '../../db/schema'
import { DEMO_EMAIL_DOMAIN, DEMO_PASSWORD } from '../../db/demo'
import type { Role } from '../../db/schema/enums'
import { verifyPassword } from '../utils/password.server'

/**
 * The demo accounts the login page may name (SPEC §6, an honest demo): only those of the demo
 * seed that are active and still open with the demo password. Once an administrator changes
 * their passwords (or the database holds no demo), the page says nothing of them. Each stored
 * hash is checked once per process — a changed password is a new hash — so the page stays fast.
 */
const checked = new Map<string, boolean>()

export type DemoAccount = { email: string; role: Role }

export async function openDemoAccounts(): Promise<{ password: string; accounts: DemoAccount[] }> {
  const db = await getDb()
  const rows = await db
    .select({ email: users.email, role: users.role, passwordHash: users.passwordHash })
    .from(users)
    .where(and(like(users.email, `%@${DEMO_EMAIL_DOMAIN}`), eq(users.active, true)))
    .orderBy(asc(users.email))
    .limit(20)
  const accounts: DemoAccount[] = []
  for (const row of rows) {
    let open = checked.get(row.passwordHash)
    if (open === undefined) {
      open = await verifyPassword(row.passwordHash, DEMO_PASSWORD)
      if (checked.size > 1000) checked.clear()
      checked.set(row.passwordHash, open)
    }
    if (open) accounts.push({ email: row.email, role: row.role })
  }
  return { password: accounts.length ? DEMO_PASSWORD : '', accounts }
}
