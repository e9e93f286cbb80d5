import { z } from 'zod'
import type { DataTable } from '../../analytics/export/data-table'
import { translator, type Translate } from '../i18n'
import { SegmentAnalysisSchema } from '../schemas/competitor'
import { requireUserWithPermission, type SessionUser } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { chartDataResponse, DATA_FORMATS } from './analysis-data.server'
import type { SegmentFilters } from './competitor-analysis.server'

const FormatSchema = z.object({ format: z.enum(DATA_FORMATS, { error: 'validation.choice' }) })

/**
 * The data of one competitor analysis as CSV, Arrow or Parquet (SPEC §5): computed for the
 * request's user and filters as the page computes it, its rows as `table` lays them out.
 */
export async function competitorDataResponse<T extends { from: string }, F extends SegmentFilters = SegmentFilters>(
  request: Request,
  name: string,
  analysis: (user: SessionUser, filters: F) => Promise<T>,
  table: (result: T, t: Translate) => DataTable,
  filters: z.ZodType<F> = SegmentAnalysisSchema as unknown as z.ZodType<F>,
): Promise<Response> {
  const user = await requireUserWithPermission(request, 'competitor:read')
  // the page's filters plus `format`
  const q = parseQuery(request, z.intersection(filters, FormatSchema), user)
  const result = await analysis(user, q)
  return chartDataResponse(table(result, translator(resolveLocale(request, user.locale))), q.format, `roadshow-${name}-${result.from}`)
}
