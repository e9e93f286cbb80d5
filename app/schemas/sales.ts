import { z } from 'zod'
import { periodChecks, periodQuery, queryChoice, queryId, queryPage, queryText } from './fields'

/** The vocabulary of the sales pages, shared by the forms (browser) and the services (server). */

/**
 * The largest sales export the upload accepts. The upload is streamed to disk, never held in
 * memory, and the import reads the file streaming (ADR 014): a 1M-row export fits well within.
 */
export const SALES_IMPORT_MAX_BYTES = 1024 * 1024 * 1024

export const SALES_SORTS = ['date', 'model', 'consultant', 'price', 'profit', 'store'] as const
export const SALES_PAGE_SIZE = 50

/** A sale's matchback status (analytics/matchback): tied to a lead, waiting for a person's decision, or neither. */
export const SALE_MATCH_STATUSES = ['matched', 'review', 'unmatched'] as const
export type SaleMatchStatus = (typeof SALE_MATCH_STATUSES)[number]

/** The sales list's query string: a bad value answers 400 naming it. */
export const SalesListFiltersSchema = z
  .object({
    store: queryId,
    ...periodQuery,
    model: queryText(200),
    consultant: queryText(200),
    match: queryChoice(SALE_MATCH_STATUSES),
    sort: queryChoice(SALES_SORTS),
    dir: queryChoice(['asc', 'desc']),
    page: queryPage(100_000),
  })
  .superRefine(periodChecks())
export type SalesListFilters = z.output<typeof SalesListFiltersSchema>

/** The upload step's fields besides the file. */
export const SalesUploadSchema = z.object({ storeId: z.uuid({ error: 'validation.required' }) })

/** The confirm step names the upload (its uploader's, for this store), never a file hash. */
export const SalesConfirmSchema = z.object({
  intent: z.literal('confirm', { error: 'validation.invalid' }),
  storeId: z.uuid({ error: 'validation.invalid' }),
  uploadId: z.uuid({ error: 'validation.invalid' }),
})

export const SalesJobActionSchema = z.object({ intent: z.enum(['retry', 'cancel'], { error: 'validation.choice' }) })
