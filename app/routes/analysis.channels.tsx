import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, useLoaderData, useSearchParams } from '@remix-run/react'
import { DataLinks } from '../components/data-links'
import { StaleNotice } from '../components/stale-notice'
import { bucketsSpec, creditsSpec } from '../../analytics/charts/attribution'
import { ChartSvg } from '../components/charts/chart-svg'
import { DateRange } from '../components/date-range'
import { FilterActions, FilterSelect } from '../components/filter-select'
import { translator, type MessageKey, type Translate } from '../i18n'
import { ATTRIBUTION_MODELS, ChannelAnalysisQuery, CONVERSION_KINDS, PATH_DIMENSIONS } from '../schemas/analysis'
import { CHANNELS } from '../../db/schema/enums'
import { channelAnalysis, type ChannelAnalysis } from '../services/analysis.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'
import { pathKeyLabel } from '../utils/analysis-labels'
import { RoiTable } from '../components/roi-table'

/**
 * 渠道与媒体分析 (SPEC §4): every attribution model's credits side by side per channel or
 * campaign, with 90% intervals and a plain word when the data cannot tell channels apart;
 * one model's credits as a chart; the top converting paths, path length and time to convert.
 */

/** The label of a path key: a channel's name, a campaign's, or "no campaign". */
const keyLabel = (a: Pick<ChannelAnalysis, 'by' | 'campaignNames'>, key: string, t: Translate) => pathKeyLabel(a.by, key, t, a.campaignNames)

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'analysis:read')
  const filters = parseQuery(request, ChannelAnalysisQuery, user)
  const analysis = await channelAnalysis(user, filters)
  const t = translator(resolveLocale(request, user.locale))
  const report = analysis.report
  const charts =
    report && report.totals.conversions > 0
      ? {
          credits: await renderChartSvg(
            creditsSpec(
              report.keys.map((key) => {
                const c = report.credits[analysis.model][key]!
                return { key, label: keyLabel(analysis, key, t), conversions: c.conversions, low: c.interval.conversions.low, high: c.interval.conversions.high }
              }),
              {
                font: CHART_FONT,
                title: t('analysis.credits.title', { model: t(`analysis.model.${analysis.model}`), by: t(`analysis.by.${analysis.by}`) }),
                axis: t('analysis.credits.axis'),
              },
            ),
          ),
          pathLength: await renderChartSvg(
            bucketsSpec(
              report.pathLengths.map((b, i) => ({ bucket: i === report.pathLengths.length - 1 ? `${b.touches}+` : String(b.touches), conversions: b.conversions })),
              { font: CHART_FONT, title: t('analysis.pathLength'), axis: t('analysis.pathLength.axis') },
            ),
          ),
          timeToConvert: await renderChartSvg(
            bucketsSpec(
              report.timeToConvert.map((b) => ({ bucket: b.bucket, conversions: b.conversions })),
              { font: CHART_FONT, title: t('analysis.timeToConvert'), axis: t('analysis.timeToConvert.axis') },
            ),
          ),
        }
      : null
  return {
    analysis,
    charts,
    stores: user.stores.map((s) => ({ id: s.id, name: s.name })),
    currency: user.stores.find((s) => s.id === analysis.storeIds[0])?.currency ?? 'CNY',
    today: storeToday(user.stores),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'analysis.channels.title')

const fixed = (n: number) => (Math.abs(n) < 0.05 ? '0' : n.toFixed(1))

export default function ChannelAnalysisPage() {
  const { analysis: a, charts, stores, currency, today } = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, num, money, day, pct } = useI18n()
  const r = a.report
  const label = (key: string) => keyLabel(a, key, t)
  const lastDay = new Date(Date.parse(`${a.to}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)
  /** a filter of the page: the store may be all of them; every other one is chosen */
  const select = (name: string, labelKey: MessageKey, value: string, options: ReadonlyArray<{ value: string; label: string }>, all = false) => (
    <FilterSelect id={`af-${name}`} name={name} label={t(labelKey)} value={value} options={options} all={all} />
  )
  const sorted = r ? [...r.keys].sort((x, y) => r.credits[a.model][y]!.conversions - r.credits[a.model][x]!.conversions || (x < y ? -1 : 1)) : []
  return (
    <>
      <div className="page-head">
        <h1>{t('analysis.channels.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('analysis.period', { from: day(a.from), to: day(lastDay) })}
        </span>
      </div>
      <Form method="get" key={params.toString()} className="card filters" role="search">
        {stores.length > 1
          ? select('store', 'common.store', params.get('store') ?? '', stores.map((s) => ({ value: s.id, label: s.name })), true)
          : null}
        <DateRange id="af-period" label={t('range.period')} from={a.from} to={lastDay} today={today} />
        {select('conversion', 'analysis.filter.conversion', a.conversion, CONVERSION_KINDS.map((k) => ({ value: k, label: t(`analysis.conversion.${k}`) })))}
        {select('by', 'analysis.filter.by', a.by, PATH_DIMENSIONS.map((k) => ({ value: k, label: t(`analysis.by.${k}`) })))}
        <FilterSelect
          id="af-channel"
          name="channel"
          label={t('analysis.filter.channel')}
          value={a.channel ?? ''}
          options={CHANNELS.map((k) => ({ value: k, label: pathKeyLabel('channel', k, t) }))}
        />
        {select('model', 'analysis.filter.model', a.model, ATTRIBUTION_MODELS.map((k) => ({ value: k, label: t(`analysis.model.${k}`) })))}
        {select('order', 'analysis.filter.order', String(a.order), ['1', '2', '3'].map((k) => ({ value: k, label: k })))}
        {select('nulls', 'analysis.filter.nulls', a.includeNulls ? 'with' : 'without', [
          { value: 'with', label: t('analysis.filter.nulls.with') },
          { value: 'without', label: t('analysis.filter.nulls.without') },
        ])}
        <div className="field">
          <label htmlFor="af-halfLife">{t('analysis.filter.halfLife')}</label>
          <input id="af-halfLife" name="halfLife" type="number" inputMode="numeric" min={1} max={90} step={1} defaultValue={String(a.halfLifeDays)} aria-describedby="af-halfLife-hint" />
          <span id="af-halfLife-hint" className="hint">
            {t('analysis.filter.halfLifeHint')}
          </span>
        </div>
        <FilterActions resetTo="/analysis/channels" showReset={[...params.keys()].length > 0} />
      </Form>

      {!stores.length ? <p className="empty">{t('analysis.noStores')}</p> : null}
      {!a.ready ? (
        <div className="alert alert-info" role="status">
          {t('analysis.notReady')}
        </div>
      ) : null}

      <StaleNotice report={a.report ?? a.roi} />
      {a.roi ? (
        <RoiTable roi={a.roi} label={label} currency={currency} title={t('analysis.roi.hint', { model: t(`analysis.model.${a.model}`), by: t(`analysis.by.${a.by}`) })}>
          <DataLinks chart="roi" analysis={a} />
        </RoiTable>
      ) : null}

      {r && r.totals.conversions === 0 ? <p className="empty card">{t('analysis.empty', { conversion: t(`analysis.conversion.${a.conversion}`) })}</p> : null}

      {r && r.totals.conversions > 0 ? (
        <>
          <dl className="grid stats" aria-label={t('analysis.totals.conversions')}>
            <div className="stat">
              <dt>{t(`analysis.conversion.${a.conversion}`)}</dt>
              <dd data-testid="conversions">{num(r.totals.conversions)}</dd>
            </div>
            {r.totals.value || r.totals.revenue ? (
              <>
                <div className="stat">
                  <dt>{t('analysis.totals.revenue')}</dt>
                  <dd>{money(r.totals.revenue, currency)}</dd>
                </div>
                <div className="stat">
                  <dt>{t('analysis.totals.value')}</dt>
                  <dd>{money(r.totals.value, currency)}</dd>
                </div>
              </>
            ) : null}
            <div className="stat">
              <dt>{t('analysis.totals.nulls')}</dt>
              <dd>{num(r.totals.nulls)}</dd>
            </div>
          </dl>

          {a.channel ? (
            <p className="alert alert-info" data-testid="channel-only">
              {t('analysis.channelOnly', { channel: pathKeyLabel('channel', a.channel, t), total: num(r.totals.conversions) })}
            </p>
          ) : null}

          {r.tooFew ? (
            <div className="alert alert-warning" role="status" data-testid="too-few">
              {t('analysis.tooFew', { count: num(r.totals.conversions) })}
            </div>
          ) : null}

          <section className="card section" aria-labelledby="credits-h">
            <h2 id="credits-h" className="visually-hidden">
              {t('analysis.credits.title', { model: t(`analysis.model.${a.model}`), by: t(`analysis.by.${a.by}`) })}
            </h2>
            {charts ? <ChartSvg className="fit" svg={charts.credits} title={t('analysis.credits.title', { model: t(`analysis.model.${a.model}`), by: t(`analysis.by.${a.by}`) })} /> : null}
            <DataLinks chart="credits" analysis={a} />
            {r.leaders[a.model] ? (
              <p className="small" data-testid="leader">
                {t(r.leaders[a.model]!.clear ? 'analysis.leader.clear' : 'analysis.leader.unclear', { key: label(r.leaders[a.model]!.key) })}
              </p>
            ) : null}
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t(`analysis.by.${a.by}`)}</th>
                    <th scope="col" className="num">{t('analysis.col.conversions')}</th>
                    <th scope="col" className="num">{t('analysis.col.interval')}</th>
                    {r.totals.value || r.totals.revenue ? (
                      <>
                        <th scope="col" className="num">{t('analysis.col.revenue')}</th>
                        <th scope="col" className="num">{t('analysis.col.value')}</th>
                      </>
                    ) : null}
                    {a.model === 'markov' ? <th scope="col" className="num">{t('analysis.col.removal')}</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((key) => {
                    const c = r.credits[a.model][key]!
                    return (
                      <tr key={key}>
                        <th scope="row">{label(key)}</th>
                        <td className="num">{fixed(c.conversions)}</td>
                        <td className="num muted">
                          {fixed(c.interval.conversions.low)} – {fixed(c.interval.conversions.high)}
                        </td>
                        {r.totals.value || r.totals.revenue ? (
                          <>
                            <td className="num">{money(Math.round(c.revenue), currency)}</td>
                            <td className="num">{money(Math.round(c.value), currency)}</td>
                          </>
                        ) : null}
                        {a.model === 'markov' ? <td className="num">{pct(r.markov.removalEffects[key] ?? 0, 1)}</td> : null}
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          </section>

          <section className="card section" aria-labelledby="comparison-h">
            <h2 id="comparison-h">{t('analysis.comparison')}</h2>
            {a.channel ? null : <p className="muted small">{t('analysis.comparisonHint', { by: t(`analysis.by.${a.by}`), total: num(r.totals.conversions) })}</p>}
            <DataLinks chart="comparison" analysis={a} />
            <div className="table-wrap" tabIndex={0}>
              <table className="comparison" data-testid="model-comparison">
                <thead>
                  <tr>
                    <th scope="col">{t(`analysis.by.${a.by}`)}</th>
                    {ATTRIBUTION_MODELS.map((m) => (
                      <th key={m} scope="col" className={`num${m === a.model ? ' selected' : ''}`} aria-current={m === a.model ? 'true' : undefined}>
                        {t(`analysis.model.${m}`)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {sorted.map((key) => (
                    <tr key={key}>
                      <th scope="row">{label(key)}</th>
                      {ATTRIBUTION_MODELS.map((m) => {
                        const c = r.credits[m][key]!
                        return (
                          <td key={m} className={`num${m === a.model ? ' selected' : ''}`}>
                            {fixed(c.conversions)}
                            <br />
                            <span className="muted small">
                              {fixed(c.interval.conversions.low)}–{fixed(c.interval.conversions.high)}
                            </span>
                          </td>
                        )
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          <section className="card section" aria-labelledby="paths-h">
            <h2 id="paths-h">{t('analysis.topPaths')}</h2>
            <DataLinks chart="paths" analysis={a} />
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('analysis.col.path')}</th>
                    <th scope="col" className="num">{t('analysis.col.conversions')}</th>
                    <th scope="col" className="num">{t('analysis.col.share')}</th>
                  </tr>
                </thead>
                <tbody>
                  {r.topPaths.map((p) => (
                    <tr key={JSON.stringify(p.keys)}>
                      <td>{p.keys.map(label).join(' → ')}</td>
                      <td className="num">{num(p.conversions)}</td>
                      <td className="num">{pct(p.conversions / r.totals.conversions, 1)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>

          {charts ? (
            <div className="grid grid-2">
              <section className="card section">
                <ChartSvg className="fit" svg={charts.pathLength} title={t('analysis.pathLength')} />
                <DataLinks chart="path-length" analysis={a} />
              </section>
              <section className="card section">
                <ChartSvg className="fit" svg={charts.timeToConvert} title={t('analysis.timeToConvert')} />
                <DataLinks chart="time-to-convert" analysis={a} />
              </section>
            </div>
          ) : null}
        </>
      ) : null}
    </>
  )
}
