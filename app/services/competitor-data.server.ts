import { z } from 'zod'
import type { DataTable } from '../../analytics/export/data-table'
import { translator, type Translate } from '../i18n'
import { SegmentAnalysisSchema } from '../schemas/competitor'
import { requireUserWithPermission, type SessionUser } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { chartDataResponse, DATA_FORMATS } from './analysis-data.server'
import type { SegmentFilters } from './competitor-analysis.server'

/** A competitor analysis's download: the page's filters plus `format`. */
const DownloadSchema = SegmentAnalysisSchema.and(z.object({ format: z.enum(DATA_FORMATS, { error: 'validation.choice' }) }))

/**
 * The data of one competitor analysis as CSV, Arrow or Parquet (SPEC §5): computed for the
 * request's user and filters as the page computes it, its rows as `table` lays them out.
 */
export async function competitorDataResponse<T extends { from: string }>(
  request: Request,
  name: string,
  analysis: (user: SessionUser, filters: SegmentFilters) => Promise<T>,
  table: (result: T, t: Translate) => DataTable,
): Promise<Response> {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const q = parseQuery(request, DownloadSchema, user)
  const result = await analysis(user, q)
  return chartDataResponse(table(result, translator(resolveLocale(request, user.locale))), q.format, `roadshow-${name}-${result.from}`)
}
