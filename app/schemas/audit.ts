import { z } from 'zod'
import { queryPage, queryText } from './fields'

/** The audit log's query string; an empty filter is no filter, a bad value answers 400 naming it. */
export const AuditQuerySchema = z.object({
  page: queryPage(100_000),
  entity: queryText(50),
  action: queryText(50),
})
