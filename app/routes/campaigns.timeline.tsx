import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { campaignTimelineSpec } from '../../analytics/charts/campaign-timeline'
import { CAMPAIGN_STATUSES } from '../../db/schema/enums'
import { ChartSvg } from '../components/charts/chart-svg'
import { DateRange } from '../components/date-range'
import { FilterSelect } from '../components/filter-select'
import { StatusBadge } from '../components/status-badge'
import { translator } from '../i18n'
import { CampaignPeriodQuerySchema } from '../schemas/campaign'
import { listCampaignsInPeriod } from '../services/campaigns.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { timelineWeeks } from '../utils/timeline'
import { zonedDay } from '../utils/zoned-time'

const STATUS_COLORS: Record<(typeof CAMPAIGN_STATUSES)[number], string> = {
  draft: '#9ca3af',
  submitted: '#3b82f6',
  returned: '#f59e0b',
  approved: '#14b8a6',
  running: '#4f46e5',
  completed: '#16a34a',
  evaluated: '#9333ea',
  cancelled: '#d1d5db',
}

const DAY = 86_400_000
const isoDay = (d: Date) => d.toISOString().slice(0, 10)

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:read')
  const params = parseQuery(request, CampaignPeriodQuerySchema, user)
  const tz = user.stores[0]?.timeZone ?? 'Asia/Shanghai'
  const today = zonedDay(new Date(), tz)
  const base = Date.parse(`${today}T00:00:00Z`)
  let from = params.from ?? isoDay(new Date(base - 60 * DAY))
  let to = params.to ?? isoDay(new Date(base + 90 * DAY))
  if (to < from) [from, to] = [to, from]
  const rows = await listCampaignsInPeriod(user, from, to, params.store)
  const t = translator(resolveLocale(request, user.locale))
  const svg = rows.length
    ? await renderChartSvg(
        campaignTimelineSpec(
          rows.map((r) => ({ ...r, statusLabel: t(`status.${r.status}`) })),
          {
            from,
            to,
            today,
            font: CHART_FONT,
            palette: CAMPAIGN_STATUSES.filter((s) => rows.some((r) => r.status === s)).map((s) => ({
              label: t(`status.${s}`),
              color: STATUS_COLORS[s],
            })),
          },
        ),
      )
    : null
  return { from, to, rows, svg, stores: user.stores.map((s) => ({ id: s.id, name: s.name })), today }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'campaigns.timeline')

export default function Timeline() {
  const d = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, day } = useI18n()
  return (
    <>
      <div className="page-head">
        <h1>{t('campaigns.timeline')}</h1>
        <div className="actions">
          <Link to="/campaigns" className="btn">
            {t('nav.campaigns')}
          </Link>
        </div>
      </div>
      <Form method="get" key={params.toString()} className="card filters">
        <DateRange id="tf-period" label={t('range.period')} from={d.from} to={d.to} today={d.today} />
        {d.stores.length > 1 ? (
          <FilterSelect name="store" label={t('common.store')} value={params.get('store') ?? ''} options={d.stores.map((s) => ({ value: s.id, label: s.name }))} />
        ) : null}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary">
            {t('common.filter')}
          </button>
        </div>
      </Form>
      <section className="card timeline-chart timeline-gantt">
        <p className="muted small">{t('campaigns.timelineRange', { from: day(d.from), to: day(d.to) })}</p>
        {d.svg ? (
          <ChartSvg svg={d.svg} title={t('campaigns.timeline')} />
        ) : (
          <p className="empty">{t('campaigns.timelineEmpty')}</p>
        )}
      </section>
      {d.rows.length ? (
        <ol className="week-list" data-testid="timeline-weeks" aria-label={t('campaigns.timeline')}>
          {timelineWeeks(d.rows, d.from, d.to).map((w) => (
            <li key={w.start} className="card">
              <h2 className="small">{t('campaigns.timelineWeek', { from: day(w.start), to: day(w.end) })}</h2>
              <ul>
                {w.rows.map((r) => (
                  <li key={r.id}>
                    <Link to={`/campaigns/${r.id}`}>{r.name}</Link> <StatusBadge status={r.status} />
                    <div className="small muted">
                      {day(r.startDate)} – {day(r.endDate)}
                      {r.warmupStart && r.warmupStart < r.startDate && r.startDate > w.end ? ` · ${t('campaigns.timelineWarmup')}` : ''} · {r.storeName}
                    </div>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      ) : null}
      {d.rows.length ? (
        <div className="table-wrap timeline-table" tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('campaigns.timeline')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('campaigns.name')}</th>
                <th scope="col">{t('common.store')}</th>
                <th scope="col">{t('campaign.field.warmupStart')}</th>
                <th scope="col">{t('campaigns.dates')}</th>
                <th scope="col">{t('common.status')}</th>
              </tr>
            </thead>
            <tbody>
              {d.rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/campaigns/${r.id}`}>{r.name}</Link>
                  </td>
                  <td>{r.storeName}</td>
                  <td className="nowrap">{day(r.warmupStart)}</td>
                  <td className="nowrap">
                    {day(r.startDate)} – {day(r.endDate)}
                  </td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  )
}
