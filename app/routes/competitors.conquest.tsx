import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { conquestSpec, tradeInSpec } from '../../analytics/charts/competitors'
import { LOST_REASONS } from '../../db/schema/enums'
import { ChartSvg } from '../components/charts/chart-svg'
import { AnalysisDownloads, CompetitorAnalysisHead } from '../components/competitor-analysis-head'
import { translator, type Translate } from '../i18n'
import { SegmentAnalysisSchema } from '../schemas/competitor'
import { conquest } from '../services/competitor-analysis.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

const reasonLabel = (t: Translate, reason: string) => ((LOST_REASONS as readonly string[]).includes(reason) ? t(`leads.lostReason.${reason as (typeof LOST_REASONS)[number]}`) : reason)

const carLabel = (r: { brand: string; model: string }) => `${r.brand} ${r.model}`.trim()

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const filters = parseQuery(request, SegmentAnalysisSchema, user)
  const p = await conquest(user, filters)
  const t = translator(resolveLocale(request, user.locale))
  const svg = p.toCompetitors.length
    ? await renderChartSvg(
        conquestSpec(
          p.toCompetitors.map((r) => ({ label: `${r.brand} ${r.model}`.trim(), reason: reasonLabel(t, r.reason), leads: r.leads })),
          { font: CHART_FONT, title: t('competitors.conquest.chartTitle'), axis: t('competitors.conquest.axis') },
        ),
      )
    : null
  const tradeInSvg = p.tradeIns.length
    ? await renderChartSvg(
        tradeInSpec(
          p.tradeIns.map((r) => ({ label: carLabel(r), buyers: r.buyers })),
          { font: CHART_FONT, title: t('competitors.tradeIns.chartTitle'), axis: t('competitors.tradeIns.axis') },
        ),
      )
    : null
  return { conquest: p, svg, tradeInSvg, stores: user.stores.map((s) => ({ id: s.id, name: s.name })), today: storeToday(user.stores) }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.tab.conquest')

export default function ConquestPage() {
  const { conquest: p, svg, tradeInSvg, stores, today } = useLoaderData<typeof loader>()
  const { t, num } = useI18n()
  return (
    <>
      <CompetitorAnalysisHead analysis={p} stores={stores} today={today} allSegments />
      {!p.ready ? (
        <div className="alert alert-info" role="status">
          {t('analysis.notReady')}
        </div>
      ) : null}
      <section className="card" aria-labelledby="cq-h">
        <h2 id="cq-h">{t('competitors.conquest.title')}</h2>
        <p className="muted small">
          {t('competitors.conquest.intro')} {t('competitors.conquest.total', { count: num(p.total) })}
        </p>
        {svg ? <ChartSvg className="fit" svg={svg} title={t('competitors.conquest.chartTitle')} /> : null}
        <AnalysisDownloads path="/competitors/conquest/data" />
        {p.toCompetitors.length ? (
          <div className="table-wrap" tabIndex={0}>
            <table data-testid="conquest">
              <thead>
                <tr>
                  <th scope="col">{t('competitors.col.car')}</th>
                  <th scope="col">{t('competitors.col.reason')}</th>
                  <th scope="col" className="num">
                    {t('competitors.col.leads')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.toCompetitors.map((r, i) => (
                  <tr key={i}>
                    <td>{`${r.brand} ${r.model}`.trim()}</td>
                    <td>{reasonLabel(t, r.reason)}</td>
                    <td className="num">{num(r.leads)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="empty">{t('competitors.conquest.empty')}</p>
        )}
        {p.otherwise.length ? (
          <>
            <h3 className="small">{t('competitors.conquest.otherwise')}</h3>
            <ul className="plain-list small">
              {p.otherwise.map((r) => (
                <li key={r.reason}>
                  {reasonLabel(t, r.reason)}: {num(r.leads)}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </section>
      <section className="card" aria-labelledby="ti-h">
        <h2 id="ti-h">{t('competitors.tradeIns.title')}</h2>
        <p className="muted small">
          {t('competitors.tradeIns.intro')} {p.tradeInTotal ? t('competitors.tradeIns.total', { count: num(p.tradeInTotal) }) : null}
        </p>
        {!p.salesReady ? (
          <p className="muted small" role="status">
            {t('competitors.tradeIns.notReady')}
          </p>
        ) : p.tradeIns.length ? (
          <>
            {tradeInSvg ? <ChartSvg className="fit" svg={tradeInSvg} title={t('competitors.tradeIns.chartTitle')} /> : null}
            <AnalysisDownloads path="/competitors/conquest/trade-ins" />
            <div className="table-wrap" tabIndex={0}>
              <table data-testid="trade-ins">
                <thead>
                  <tr>
                    <th scope="col">{t('competitors.col.tradedIn')}</th>
                    <th scope="col" className="num">
                      {t('competitors.col.buyers')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {p.tradeIns.map((r, i) => (
                    <tr key={i}>
                      <td>{carLabel(r)}</td>
                      <td className="num">{num(r.buyers)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <p className="empty">{t('competitors.tradeIns.empty')}</p>
        )}
      </section>
    </>
  )
}
