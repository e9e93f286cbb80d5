import type { LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { translator } from '../i18n'
import { ChannelAnalysisSchema } from '../schemas/analysis'
import { periodChecks } from '../schemas/fields'
import { MAX_PERIOD_DAYS } from '../utils/period'
import { chartDataResponse, chartTable, CHART_DATA, DATA_FORMATS } from '../services/analysis-data.server'
import { channelAnalysis } from '../services/analysis.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'

/** A chart's data from the channel page as CSV, Arrow or Parquet (SPEC §4): the page's filters plus `chart` and `format`. */
const DownloadSchema = ChannelAnalysisSchema.extend({
  chart: z.enum(CHART_DATA, { error: 'validation.choice' }),
  format: z.enum(DATA_FORMATS, { error: 'validation.choice' }),
}).superRefine(periodChecks(MAX_PERIOD_DAYS))

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'analysis:read')
  const q = parseQuery(request, DownloadSchema, user)
  const analysis = await channelAnalysis(user, q)
  const t = translator(resolveLocale(request, user.locale))
  const table = chartTable(analysis, q.chart, t)
  return chartDataResponse(table, q.format, `roadshow-${q.chart}-${analysis.conversion}-${analysis.from}`)
}
