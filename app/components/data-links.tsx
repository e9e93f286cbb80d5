import { useSearchParams } from '@remix-run/react'
import { useI18n } from '../utils/use-root'

/**
 * The download links of one chart's data (SPEC §4): CSV, Arrow and Parquet, for the page's
 * filters as shown — the store and period as the address has them, the rest as the page
 * resolved them (defaults included), so the file holds exactly what the chart draws.
 */
export function DataLinks({ chart, analysis }: { chart: string; analysis: { conversion: string; by: string; model: string; order: number; includeNulls: boolean; halfLifeDays: number } }) {
  const [params] = useSearchParams()
  const href = (format: string) => {
    const q = new URLSearchParams({
      chart,
      format,
      conversion: analysis.conversion,
      by: analysis.by,
      model: analysis.model,
      order: String(analysis.order),
      nulls: analysis.includeNulls ? 'with' : 'without',
      halfLife: String(analysis.halfLifeDays),
    })
    for (const key of ['store', 'from', 'to', 'month', 'channel']) {
      const value = params.get(key)
      if (value) q.set(key, value)
    }
    return `/analysis/channels/data?${q.toString()}`
  }
  return <FormatLinks href={href} chart={chart} />
}

/** "Download: CSV · Arrow · Parquet" — the links of one table's data, `href(format)` each. */
export function FormatLinks({ href, chart }: { href: (format: 'csv' | 'arrow' | 'parquet') => string; chart?: string }) {
  const { t } = useI18n()
  return (
    <p className="small no-print data-links">
      {t('analysis.download')}:{' '}
      {(['csv', 'arrow', 'parquet'] as const).map((f, i) => (
        <span key={f}>
          {i ? ' · ' : ''}
          <a href={href(f)} download data-chart={chart} data-format={f}>
            {f === 'csv' ? 'CSV' : f === 'arrow' ? 'Arrow' : 'Parquet'}
          </a>
        </span>
      ))}
    </p>
  )
}
