import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { marketShareSpec } from '../../analytics/charts/competitors'
import { MARKET_MEASURES } from '../../analytics/ingest/market-record'
import { ChartSvg } from '../components/charts/chart-svg'
import { AnalysisDownloads, CompetitorAnalysisHead } from '../components/competitor-analysis-head'
import { FilterSelect } from '../components/filter-select'
import { translator } from '../i18n'
import { MarketShareSchema } from '../schemas/market-share'
import { marketShare } from '../services/competitor-analysis.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

const carLabel = (x: { brand: string; model: string }) => `${x.brand} ${x.model}`

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const filters = parseQuery(request, MarketShareSchema, user)
  const p = await marketShare(user, filters)
  const t = translator(resolveLocale(request, user.locale))
  const label = (x: { brand: string; model: string; ours: boolean }) => `${carLabel(x)}${x.ours ? ` (${t('competitors.price.ours')})` : ''}`
  // one place in every month's bar for each model: ours first, then the competitors by their units over the period
  const totals = new Map<string, { ours: boolean; units: number }>()
  for (const r of p.rows) totals.set(carLabel(r), { ours: r.ours, units: (totals.get(carLabel(r))?.units ?? 0) + r.units })
  const rank = new Map([...totals].sort(([, a], [, b]) => Number(b.ours) - Number(a.ours) || b.units - a.units).map(([name], i) => [name, i]))
  const svg = p.rows.length
    ? await renderChartSvg(
        marketShareSpec(
          p.rows.map((r) => ({ month: r.month, label: label(r), ours: r.ours, units: r.units, share: r.share, rank: rank.get(carLabel(r))! })),
          { font: CHART_FONT, title: `${t('competitors.share.chartTitle')} · ${p.segment?.name ?? ''} · ${p.city ?? t('competitors.share.allCities')}`, axis: t('competitors.share.axis') },
        ),
      )
    : null
  return {
    share: p,
    svg,
    canImport: roleCan(user.role, 'sales:import'),
    stores: user.stores.map((s) => ({ id: s.id, name: s.name })),
    today: storeToday(user.stores),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.tab.share')

export default function MarketSharePage() {
  const { share: p, svg, stores, today, canImport } = useLoaderData<typeof loader>()
  const { t, num } = useI18n()
  const [params] = useSearchParams()
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  const months = [...new Set(p.rows.map((r) => r.month))].sort()
  const models = [...new Map(p.rows.map((r) => [carLabel(r), r])).values()].sort((a, b) => Number(b.ours) - Number(a.ours))
  const cell = (month: string, m: { brand: string; model: string }) => p.rows.find((r) => r.month === month && r.brand === m.brand && r.model === m.model)
  const measure = t(`market.measure.${p.measure}`)
  return (
    <>
      <CompetitorAnalysisHead analysis={p} stores={stores} today={today}>
        <FilterSelect
          name="city"
          label={t('competitors.share.city')}
          value={p.city ?? ''}
          options={p.cities.map((c) => ({ value: c.city, label: c.city }))}
        />
        <FilterSelect
          name="measure"
          label={t('competitors.share.measure')}
          value={params.get('measure') ? p.measure : ''}
          all={false}
          options={MARKET_MEASURES.map((m) => ({ value: m, label: t(`market.measure.${m}`) }))}
        />
      </CompetitorAnalysisHead>
      {!p.ready ? (
        <div className="alert alert-info" role="status">
          {t('analysis.notReady')}
        </div>
      ) : null}
      {!p.segment ? (
        <p className="card empty">{t('competitors.share.noSegment')}</p>
      ) : (
        <section className="card" aria-labelledby="ms-h">
          <h2 id="ms-h">
            {t('competitors.share.title')} · {p.segment.name} · {p.city ?? t('competitors.share.allCities')}
          </h2>
          <p className="muted small">{t('competitors.share.intro', { measure })}</p>
          {p.rows.length ? (
            <>
              {p.ours.length ? (
                <p data-testid="our-share">
                  {(() => {
                    const last = p.ours[p.ours.length - 1]!
                    return t('competitors.share.ourLine', { share: pct(last.share), month: last.month, units: num(last.units), total: num(last.total) })
                  })()}
                </p>
              ) : null}
              {svg ? <ChartSvg className="fit" svg={svg} title={t('competitors.share.chartTitle')} /> : null}
              <AnalysisDownloads path="/competitors/share/data" segment={p.segment.id} />
              <div className="table-wrap" tabIndex={0}>
                <table data-testid="share-table">
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
                    <tr>
                      <th scope="row">{t('competitors.col.ourShare')}</th>
                      {months.map((m) => {
                        const o = p.ours.find((x) => x.month === m)
                        return (
                          <td key={m} className="num">
                            <strong>{o ? pct(o.share) : '—'}</strong>
                          </td>
                        )
                      })}
                    </tr>
                    {models.map((m) => (
                      <tr key={carLabel(m)}>
                        <th scope="row">
                          {carLabel(m)} {m.ours ? <span className="badge">{t('competitors.price.ours')}</span> : null}
                        </th>
                        {months.map((month) => {
                          const c = cell(month, m)
                          return (
                            <td key={month} className="num">
                              {c ? (
                                <>
                                  {pct(c.share)}
                                  <br />
                                  <span className="muted small">{num(c.units)}</span>
                                </>
                              ) : (
                                '—'
                              )}
                            </td>
                          )
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          ) : (
            <p className="empty">
              {t('competitors.share.empty')}{' '}
              {canImport ? <Link to="/competitors/market/import">{t('competitors.share.importLink')}</Link> : null}
            </p>
          )}
        </section>
      )}
    </>
  )
}
