import { auditLog } from '../../db/schema'
import type { DbOrTx } from '../../db/client'

export type AuditEntry = {
  userId: string | null
  storeId?: string | null
  action: string
  entityType: string
  entityId?: string | null
  before?: unknown
  after?: unknown
  ip?: string | null
}

/** Call inside the mutation's transaction so that the change and its record commit together. */
export async function recordAudit(db: DbOrTx, entry: AuditEntry) {
  await db.insert(auditLog).values({
    userId: entry.userId,
    storeId: entry.storeId ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: entry.ip ?? null,
  })
}
