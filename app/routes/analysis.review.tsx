import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { trendSpec } from '../../analytics/charts/attribution'
import { pathKeyLabel } from '../utils/analysis-labels'
import type { RoiRow } from '../../analytics/queries/roi'
import { ChartSvg } from '../components/charts/chart-svg'
import { DateRange } from '../components/date-range'
import { FilterActions, FilterSelect } from '../components/filter-select'
import { RoiTable } from '../components/roi-table'
import { StaleNotice } from '../components/stale-notice'
import { translator } from '../i18n'
import { ATTRIBUTION_MODELS, ReviewSchema } from '../schemas/analysis'
import { CHANNELS } from '../../db/schema/enums'
import { managementReview } from '../services/analysis.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

/**
 * 集团投入产出总览 (SPEC §4): all stores of the group the user reads on one page — spend
 * against return per store and per channel, the best and worst campaigns, the month trend,
 * budget against actual — each store leading to its channel page, each campaign to its page.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'analysis:read')
  const filters = parseQuery(request, ReviewSchema, user)
  const review = await managementReview(user, filters)
  const t = translator(resolveLocale(request, user.locale))
  const trend = review.byMonth?.rows.length
    ? await renderChartSvg(
        trendSpec(
          review.byMonth.rows.flatMap((r) => [
            { month: r.key, series: t('analysis.review.spend'), fen: r.cost },
            { month: r.key, series: t('analysis.col.value'), fen: Math.round(r.grossProfit) },
          ]),
          { font: CHART_FONT, title: t('analysis.review.trend'), axis: t('analysis.review.trendAxis') },
        ),
      )
    : null
  return {
    review,
    trend,
    stores: user.stores.map((s) => ({ id: s.id, name: s.name, currency: s.currency })),
    today: storeToday(user.stores),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'analysis.review.title')

export default function ManagementReviewPage() {
  const { review: r, trend, stores, today } = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, money, day, pct } = useI18n()
  const currency = stores[0]?.currency ?? 'CNY'
  const storeName = (id: string) => stores.find((s) => s.id === id)?.name ?? id
  const channelLabel = (key: string) => pathKeyLabel('channel', key, t)
  const lastDay = new Date(Date.parse(`${r.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
  const model = t(`analysis.model.${r.model}`)
  const campaignList = (rows: RoiRow[], testId: string) => (
    <ol className="plain-list" data-testid={testId}>
      {rows.map((x) => (
        <li key={x.key}>
          <Link to={`/campaigns/${x.key}`}>{r.campaigns[x.key]?.name ?? x.key}</Link>{' '}
          <span className="muted small">{storeName(r.campaigns[x.key]?.storeId ?? '')}</span> · ROI {pct(x.roi)}
          {x.roiInterval ? (
            <span className="muted small">
              {' '}
              ({pct(x.roiInterval.low)} – {pct(x.roiInterval.high)})
            </span>
          ) : null}{' '}
          · {money(x.cost, currency)}
        </li>
      ))}
    </ol>
  )
  return (
    <>
      <div className="page-head">
        <h1>{t('analysis.review.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('analysis.period', { from: day(r.from), to: day(lastDay) })}
        </span>
      </div>
      <Form method="get" key={params.toString()} className="card filters" role="search">
        {stores.length > 1 ? <FilterSelect name="store" label={t('common.store')} value={params.get('store') ?? ''} options={stores.map((s) => ({ value: s.id, label: s.name }))} /> : null}
        <DateRange id="rf-period" label={t('range.period')} from={r.from} to={lastDay} today={today} />
        <FilterSelect id="rf-channel" name="channel" label={t('analysis.filter.channel')} value={r.channel ?? ''} options={CHANNELS.map((k) => ({ value: k, label: channelLabel(k) }))} />
        <div className="field">
          <label htmlFor="rf-model">{t('analysis.filter.model')}</label>
          <select id="rf-model" name="model" defaultValue={r.model}>
            {ATTRIBUTION_MODELS.map((m) => (
              <option key={m} value={m}>
                {t(`analysis.model.${m}`)}
              </option>
            ))}
          </select>
        </div>
        <FilterActions resetTo="/analysis/review" showReset={[...params.keys()].length > 0} />
      </Form>
      {!r.ready ? (
        <div className="alert alert-info" role="status">
          {t('analysis.notReady')}
        </div>
      ) : null}
      <StaleNotice report={r.byStore} />
      <p className="muted small">{t('analysis.review.hint', { model })}</p>
      {r.channel ? (
        <p className="alert alert-info" data-testid="channel-only">
          {t('analysis.review.channelOnly', { channel: channelLabel(r.channel), model })}
        </p>
      ) : null}

      {r.byStore ? (
        <RoiTable
          roi={r.byStore}
          label={(id) => storeName(id)}
          currency={currency}
          title={t('analysis.review.stores')}
          id="stores"
        >
          <p className="small">
            {stores.filter((s) => r.storeIds.includes(s.id)).map((s, i) => (
              <span key={s.id}>
                {i ? ' · ' : ''}
                <Link to={`/analysis/channels?store=${s.id}&from=${r.from}&to=${lastDay}&model=${r.model}${r.channel ? `&channel=${r.channel}` : ''}`} data-testid="drill-store">
                  {s.name} → {t('analysis.review.openChannels')}
                </Link>
              </span>
            ))}
          </p>
        </RoiTable>
      ) : null}

      <section className="card section" aria-labelledby="budget-review-h">
        <h2 id="budget-review-h">{t('analysis.review.budget')}</h2>
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col" className="num">{t('analysis.review.planned')}</th>
                <th scope="col" className="num">{t('analysis.review.actual')}</th>
                <th scope="col" className="num">{t('analysis.review.used')}</th>
              </tr>
            </thead>
            <tbody>
              {r.budgets.map((b) => (
                <tr key={b.storeId}>
                  <th scope="row">{storeName(b.storeId)}</th>
                  <td className="num">{money(b.planned, currency)}</td>
                  <td className="num">{money(b.actual, currency)}</td>
                  <td className="num">{b.planned ? pct(b.actual / b.planned) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <div className="grid grid-2">
        <section className="card section" aria-labelledby="best-h">
          <h2 id="best-h">{t('analysis.review.best')}</h2>
          {r.best.length ? campaignList(r.best, 'best-campaigns') : <p className="empty">{t('analysis.review.noCampaigns')}</p>}
        </section>
        <section className="card section" aria-labelledby="worst-h">
          <h2 id="worst-h">{t('analysis.review.worst')}</h2>
          {r.worst.length ? (
            campaignList(r.worst, 'worst-campaigns')
          ) : (
            <p className="empty">{t(r.best.length ? 'analysis.review.fewCampaigns' : 'analysis.review.noCampaigns')}</p>
          )}
        </section>
      </div>

      {trend ? (
        <section className="card section">
          <ChartSvg className="fit" svg={trend} title={t('analysis.review.trend')} />
        </section>
      ) : null}

      {r.byChannel ? <RoiTable roi={r.byChannel} label={channelLabel} currency={currency} title={t('analysis.review.channels')} id="channels" /> : null}
    </>
  )
}
