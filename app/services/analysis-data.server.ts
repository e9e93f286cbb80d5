import path from 'node:path'
import { withAnalytics } from '../../analytics/duckdb'
import { readAnalyticsConfig } from '../../analytics/config'
import { ATTRIBUTION_MODELS } from '../../analytics/attribution/vocabulary'
import { toArrowIpc, toParquet, type DataTable } from '../../analytics/export/data-table'
import type { Translate } from '../i18n'
import { pathKeyLabel } from '../utils/analysis-labels'
import { toCsv, UTF8_BOM } from '../utils/csv'
import type { ChannelAnalysis } from './analysis.server'

/**
 * The data behind each chart and table of the channel page, as the download of SPEC §4: the
 * same rows the page draws, in CSV (safe to open in Excel), Arrow IPC or Parquet. Money in
 * fen, as everywhere; keys beside their labels so that a file can be joined to others.
 */

export const CHART_DATA = ['credits', 'comparison', 'paths', 'path-length', 'time-to-convert', 'roi'] as const
export type ChartData = (typeof CHART_DATA)[number]
export const DATA_FORMATS = ['csv', 'arrow', 'parquet'] as const
export type DataFormat = (typeof DATA_FORMATS)[number]

const text = (name: string) => ({ name, type: 'text' as const })
const number = (name: string) => ({ name, type: 'number' as const })

export function chartTable(a: ChannelAnalysis, chart: ChartData, t: Translate): DataTable {
  const label = (key: string) => pathKeyLabel(a.by, key, t, a.campaignNames)
  const r = a.report
  if (chart === 'roi') {
    const rows = a.roi?.rows ?? []
    return {
      columns: [text('key'), text('label'), number('cost_fen'), number('subsidy_fen'), number('leads'), number('visits'), number('test_drives'), number('orders'), number('deliveries'), number('revenue_fen'), number('gross_profit_fen'), number('cost_per_lead_fen'), number('cost_per_visit_fen'), number('cost_per_order_fen'), number('roas'), number('roi'), number('roi_low'), number('roi_high'), number('orders_before')],
      rows: rows.map((x) => [x.key, label(x.key), x.cost, x.subsidy, x.leads, x.visits, x.testDrives, x.orders, x.deliveries, x.revenue, x.grossProfit, x.costPerLead, x.costPerVisit, x.costPerOrder, x.roas, x.roi, x.roiInterval?.low ?? null, x.roiInterval?.high ?? null, x.prior.orders]),
    }
  }
  if (!r) return { columns: [text('key')], rows: [] }
  if (chart === 'credits') {
    return {
      columns: [text('key'), text('label'), text('model'), number('conversions'), number('conversions_low'), number('conversions_high'), number('gross_profit_fen'), number('revenue_fen')],
      rows: r.keys.map((key) => {
        const c = r.credits[a.model][key]!
        return [key, label(key), a.model, c.conversions, c.interval.conversions.low, c.interval.conversions.high, c.value, c.revenue]
      }),
    }
  }
  if (chart === 'comparison') {
    return {
      columns: [text('key'), text('label'), ...ATTRIBUTION_MODELS.flatMap((m) => [number(m), number(`${m}_low`), number(`${m}_high`)])],
      rows: r.keys.map((key) => [key, label(key), ...ATTRIBUTION_MODELS.flatMap((m) => [r.credits[m][key]!.conversions, r.credits[m][key]!.interval.conversions.low, r.credits[m][key]!.interval.conversions.high])]),
    }
  }
  if (chart === 'paths') {
    return {
      columns: [text('path'), text('path_keys'), number('conversions'), number('gross_profit_fen')],
      rows: r.topPaths.map((p) => [p.keys.map(label).join(' > '), p.keys.join(' > '), p.conversions, p.value]),
    }
  }
  if (chart === 'path-length') return { columns: [number('touches'), number('conversions')], rows: r.pathLengths.map((b) => [b.touches, b.conversions]) }
  return { columns: [text('days'), number('conversions')], rows: r.timeToConvert.map((b) => [b.bucket, b.conversions]) }
}

/** The download response of a table in the format asked for. */
export async function chartDataResponse(table: DataTable, format: DataFormat, baseName: string): Promise<Response> {
  const headers = (type: string, ext: string) => ({
    'Content-Type': type,
    'Content-Disposition': `attachment; filename="${baseName}.${ext}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  })
  if (format === 'csv') {
    const body = UTF8_BOM + toCsv([table.columns.map((c) => c.name), ...table.rows])
    return new Response(body, { headers: headers('text/csv; charset=utf-8', 'csv') })
  }
  if (format === 'arrow') return new Response(new Uint8Array(toArrowIpc(table)), { headers: headers('application/vnd.apache.arrow.file', 'arrow') })
  const tmpDir = path.join(readAnalyticsConfig().dir, 'tmp')
  const bytes = await withAnalytics((c) => toParquet(c, table, tmpDir))
  return new Response(new Uint8Array(bytes), { headers: headers('application/vnd.apache.parquet', 'parquet') })
}
