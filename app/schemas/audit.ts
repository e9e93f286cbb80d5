import { z } from 'zod'

/** The audit log's query string; anything malformed falls back to "no filter" rather than an error. */
export const AuditQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).catch(1),
  entity: z.string().trim().min(1).max(50).optional().catch(undefined),
  action: z.string().trim().min(1).max(50).optional().catch(undefined),
})
