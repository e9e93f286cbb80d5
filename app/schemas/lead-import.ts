import { z } from 'zod'
import { LEAD_PLATFORMS } from '../../db/schema/enums'
import { queryChoice, queryId, queryPage } from './fields'

/** The vocabulary of lead imports shared by the import form (browser) and the service (server). */
export const LEAD_IMPORT_MAX_BYTES = 20 * 1024 * 1024

export type LeadPlatform = (typeof LEAD_PLATFORMS)[number]
export const PLATFORM_CHOICES = ['auto', ...LEAD_PLATFORMS] as const
export type PlatformChoice = (typeof PLATFORM_CHOICES)[number]

export const LEAD_FIELDS = ['name', 'phone', 'model', 'city', 'time', 'platform'] as const
export type LeadField = (typeof LEAD_FIELDS)[number]
/** what each column of the file is, by column index (null: not imported) */
export type ColumnMapping = Array<LeadField | null>
export const REQUIRED_FIELDS: readonly LeadField[] = ['phone', 'time']

export const ImportUploadSchema = z.object({
  storeId: z.uuid(),
  platform: z.enum(PLATFORM_CHOICES),
})

/** The confirm step names the upload (its uploader's, for this store), never a bare file hash. */
export const ImportConfirmSchema = ImportUploadSchema.extend({
  uploadId: z.uuid(),
})

export const ColumnMappingSchema = z.array(z.enum(LEAD_FIELDS).nullable()).max(500)

/** The import list's query string: a bad value answers 400 naming it. */
export const ImportListFiltersSchema = z.object({
  store: queryId,
  /** lead-platform, sales, market-data or competitor-observation imports (all when absent) */
  kind: queryChoice(['leads', 'sales', 'market', 'observations']),
  page: queryPage(10_000),
})
