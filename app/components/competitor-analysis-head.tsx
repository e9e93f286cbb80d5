import type { ReactNode } from 'react'
import { Form, useLocation, useSearchParams } from '@remix-run/react'
import { addDays } from '../utils/days'
import { useI18n } from '../utils/use-root'
import { CompetitorTabs } from './competitor-tabs'
import { FormatLinks } from './data-links'
import { DateRange } from './date-range'
import { FilterActions, FilterSelect } from './filter-select'

type Analysis = { from: string; to: string; segments: Array<{ id: string; name: string }>; segment: { id: string } | null }

/**
 * The head every competitor analysis shares: the title with the period shown, the tabs, and the
 * filters — store, segment (or every competitor, where the analysis allows it) and period.
 */
export function CompetitorAnalysisHead({
  analysis: a,
  stores,
  today,
  allSegments = false,
  children,
}: {
  analysis: Analysis
  stores: Array<{ id: string; name: string }>
  today: string
  allSegments?: boolean
  /** the analysis's own filters, after the segment */
  children?: ReactNode
}) {
  const [params] = useSearchParams()
  const { pathname } = useLocation()
  const { t, day } = useI18n()
  const lastDay = addDays(a.to, -1)
  return (
    <>
      <div className="page-head">
        <h1>{t('competitors.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('analysis.period', { from: day(a.from), to: day(lastDay) })}
        </span>
      </div>
      <CompetitorTabs />
      <Form method="get" key={params.toString()} className="card filters" role="search">
        {stores.length > 1 ? <FilterSelect name="store" label={t('common.store')} value={params.get('store') ?? ''} options={stores.map((s) => ({ value: s.id, label: s.name }))} /> : null}
        <FilterSelect name="segment" label={t('segments.name')} value={a.segment?.id ?? ''} all={allSegments} options={a.segments.map((s) => ({ value: s.id, label: s.name }))} />
        {children}
        <DateRange id="ca-period" label={t('range.period')} from={a.from} to={lastDay} today={today} />
        <FilterActions resetTo={pathname} />
      </Form>
    </>
  )
}

/** The analysis's data with the page's filters, from its `…/data` route. */
export function AnalysisDownloads({ path, segment }: { path: string; segment?: string | null }) {
  const [params] = useSearchParams()
  return (
    <FormatLinks
      href={(format) => {
        const q = new URLSearchParams(params)
        q.set('format', format)
        if (segment) q.set('segment', segment)
        return `${path}?${q}`
      }}
    />
  )
}
