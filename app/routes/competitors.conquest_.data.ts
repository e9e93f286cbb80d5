import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { translator } from '../i18n'
import { SegmentAnalysisSchema } from '../schemas/competitor'
import { chartDataResponse, DATA_FORMATS } from '../services/analysis-data.server'
import { conquest, conquestTable } from '../services/competitor-analysis.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'

/** Conquest's data as CSV, Arrow or Parquet: the page's filters plus `format`. */
const DownloadSchema = SegmentAnalysisSchema.and(z.object({ format: z.enum(DATA_FORMATS, { error: 'validation.choice' }) }))

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const q = parseQuery(request, DownloadSchema, user)
  const p = await conquest(user, q)
  const t = translator(resolveLocale(request, user.locale))
  return chartDataResponse(conquestTable(p, t), q.format, `roadshow-conquest-${p.from}`)
}
