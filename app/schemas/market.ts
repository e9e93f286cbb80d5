import { z } from 'zod'
import { MARKET_MEASURES } from '../../analytics/ingest/market-record'
import { queryId, queryPage } from './fields'

/** The vocabulary of the market-data import pages (SPEC §5), shared by the forms (browser) and the services (server). */

export { MARKET_MEASURES, type MarketMeasure } from '../../analytics/ingest/market-record'

/**
 * The largest market-data file the upload accepts, and its most data rows. A province's
 * registrations by city, brand and model run to tens of thousands of rows a month; a year of
 * them fits. The rejected rows of an import are written with its registration in one
 * transaction, which stays short at this size.
 */
export const MARKET_IMPORT_MAX_BYTES = 64 * 1024 * 1024
export const MARKET_IMPORT_MAX_ROWS = 300_000

/** The upload step's fields besides the file. */
export const MarketUploadSchema = z.object({ storeId: z.uuid({ error: 'validation.required' }) })

/** The confirm step names the upload (its uploader's, for this store), never a file hash; and what the file counts. */
export const MarketConfirmSchema = z.object({
  intent: z.literal('confirm', { error: 'validation.invalid' }),
  storeId: z.uuid({ error: 'validation.invalid' }),
  uploadId: z.uuid({ error: 'validation.invalid' }),
  measure: z.enum(MARKET_MEASURES, { error: 'validation.choice' }),
})

export const MarketJobActionSchema = z.object({ intent: z.enum(['retry', 'cancel'], { error: 'validation.choice' }) })

/** The market-data page's query string: a bad value answers 400 naming it. */
export const MarketListFiltersSchema = z.object({ store: queryId, page: queryPage(10_000) })
