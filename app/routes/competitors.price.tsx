import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { pricePositionSpec } from '../../analytics/charts/competitors'
import { ChartSvg } from '../components/charts/chart-svg'
import { AnalysisDownloads, CompetitorAnalysisHead } from '../components/competitor-analysis-head'
import { translator } from '../i18n'
import { SegmentAnalysisSchema } from '../schemas/competitor'
import { pricePosition } from '../services/competitor-analysis.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const filters = parseQuery(request, SegmentAnalysisSchema, user)
  const p = await pricePosition(user, filters)
  const t = translator(resolveLocale(request, user.locale))
  const label = (x: { brand: string; model: string; ours: boolean }) => `${x.brand} ${x.model}${x.ours ? ` (${t('competitors.price.ours')})` : ''}`
  const svg = p.points.length
    ? await renderChartSvg(
        pricePositionSpec(
          p.points.map((x) => ({ month: x.month, label: label(x), side: t(x.ours ? 'competitors.price.ours' : 'competitors.price.theirs'), ours: x.ours, yuan: x.medianFen / 100, n: x.n })),
          { font: CHART_FONT, title: t('competitors.price.chartTitle', { segment: p.segment?.name ?? '' }), axis: t('competitors.price.axis') },
        ),
      )
    : null
  return {
    price: p,
    svg,
    stores: user.stores.map((s) => ({ id: s.id, name: s.name, currency: s.currency })),
    today: storeToday(user.stores),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.tab.price')

export default function PricePositionPage() {
  const { price: p, svg, stores, today } = useLoaderData<typeof loader>()
  const { t, money, num } = useI18n()
  const currency = stores[0]?.currency ?? 'CNY'
  const months = [...new Set(p.points.map((x) => x.month))]
  const models = [...new Map(p.points.map((x) => [`${x.brand} ${x.model}`, x])).values()].sort((a, b) => Number(b.ours) - Number(a.ours))
  const cell = (month: string, m: { brand: string; model: string }) => p.points.find((x) => x.month === month && x.brand === m.brand && x.model === m.model)
  return (
    <>
      <CompetitorAnalysisHead analysis={p} stores={stores} today={today} />
      {!p.ready ? (
        <div className="alert alert-info" role="status">
          {t('analysis.notReady')}
        </div>
      ) : null}
      {!p.segment ? (
        <p className="card empty">{t('competitors.price.noSegments')}</p>
      ) : p.points.length ? (
        <section className="card" aria-labelledby="pp-h">
          <h2 id="pp-h">{t('competitors.price.title', { segment: p.segment.name })}</h2>
          <p className="muted small">{t('competitors.price.intro')}</p>
          {svg ? <ChartSvg className="fit" svg={svg} title={t('competitors.price.chartTitle', { segment: p.segment.name })} /> : null}
          <AnalysisDownloads path="/competitors/price/data" segment={p.segment.id} />
          <div className="table-wrap" tabIndex={0}>
            <table data-testid="price-table">
              <thead>
                <tr>
                  <th scope="col">{t('competitors.col.car')}</th>
                  {months.map((m) => (
                    <th key={m} scope="col" className="num">
                      {m}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <tr key={`${m.brand} ${m.model}`}>
                    <th scope="row">
                      {m.brand} {m.model}
                      {m.ours ? <span className="badge badge-approved small"> {t('competitors.price.ours')}</span> : null}
                    </th>
                    {months.map((month) => {
                      const x = cell(month, m)
                      return (
                        <td key={month} className="num" title={x ? t('competitors.price.basedOn', { count: num(x.n) }) : undefined}>
                          {x ? money(x.medianFen, currency) : '—'}
                        </td>
                      )
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : (
        <p className="card empty">{t('competitors.price.empty', { segment: p.segment.name })}</p>
      )}
    </>
  )
}
