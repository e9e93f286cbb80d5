import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { promotionTimelineSpec } from '../../analytics/charts/competitors'
import { ChartSvg } from '../components/charts/chart-svg'
import { AnalysisDownloads, CompetitorAnalysisHead } from '../components/competitor-analysis-head'
import { translator } from '../i18n'
import { SegmentAnalysisSchema } from '../schemas/competitor'
import { promotionTimeline } from '../services/competitor-analysis.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { addDays } from '../utils/days'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const filters = parseQuery(request, SegmentAnalysisSchema, user)
  const p = await promotionTimeline(user, filters)
  const t = translator(resolveLocale(request, user.locale))
  const ourLabel = t('competitors.promotions.ours')
  const theirLabel = t('competitors.promotions.theirs')
  const rows = [
    ...p.campaigns.map((c) => ({ row: c.name, side: ourLabel, ours: true, start: c.start, endExclusive: addDays(c.end, 1), detail: `${c.start} – ${c.end}` })),
    ...p.promotions.map((x) => ({ row: `${x.brand} ${x.model}：${x.promotion}`, side: theirLabel, ours: false, start: x.start, endExclusive: addDays(x.end, 1), detail: `${x.start} – ${x.end}` })),
  ]
  const svg = rows.length
    ? await renderChartSvg(promotionTimelineSpec(rows, { font: CHART_FONT, title: t('competitors.promotions.chartTitle'), from: p.from, toExclusive: p.to, ourLabel, theirLabel }))
    : null
  return { timeline: p, svg, stores: user.stores.map((s) => ({ id: s.id, name: s.name })), today: storeToday(user.stores) }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.tab.promotions')

export default function PromotionTimelinePage() {
  const { timeline: p, svg, stores, today } = useLoaderData<typeof loader>()
  const { t, day, num } = useI18n()
  const during = (x: { start: string; end: string }) => p.campaigns.filter((c) => c.start <= x.end && c.end >= x.start)
  return (
    <>
      <CompetitorAnalysisHead analysis={p} stores={stores} today={today} allSegments />
      <section className="card" aria-labelledby="pt-h">
        <h2 id="pt-h">{t('competitors.promotions.title')}</h2>
        <p className="muted small">{t('competitors.promotions.intro')}</p>
        {svg ? <ChartSvg className="fit" svg={svg} title={t('competitors.promotions.chartTitle')} /> : null}
        <AnalysisDownloads path="/competitors/promotions/data" />
        {p.promotions.length ? (
          <div className="table-wrap" tabIndex={0}>
            <table className="cards" data-testid="promotions">
              <thead>
                <tr>
                  <th scope="col">{t('competitors.col.car')}</th>
                  <th scope="col">{t('competitors.col.promotion')}</th>
                  <th scope="col">{t('competitors.col.period')}</th>
                  <th scope="col">{t('competitors.promotions.during')}</th>
                </tr>
              </thead>
              <tbody>
                {p.promotions.map((x, i) => (
                  <tr key={i}>
                    <td>
                      {x.brand} {x.model}
                    </td>
                    <td data-label={t('competitors.col.promotion')}>
                      {x.promotion}
                      <div className="small muted">{t('competitors.promotions.sightings', { count: num(x.sightings), day: day(x.firstSeen) })}</div>
                    </td>
                    <td className="nowrap" data-label={t('competitors.col.period')}>
                      {x.start === x.end ? day(x.start) : `${day(x.start)} – ${day(x.end)}`}
                    </td>
                    <td data-label={t('competitors.promotions.during')}>
                      {during(x).length
                        ? during(x).map((c, j) => (
                            <span key={c.id}>
                              {j ? '、' : ''}
                              <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
                            </span>
                          ))
                        : '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty">{t('competitors.promotions.empty')}</p>
        )}
      </section>
    </>
  )
}
