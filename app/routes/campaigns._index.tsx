import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { CAMPAIGN_FORMS, CAMPAIGN_STATUSES } from '../../db/schema/enums'
import { DateRange } from '../components/date-range'
import { storeToday } from '../utils/zoned-time'
import { FilterActions, FilterSelect } from '../components/filter-select'
import { Pager, SortHeader } from '../components/sort-header'
import { StatusBadge } from '../components/status-badge'
import { CampaignFiltersSchema } from '../schemas/campaign'
import { listCampaigns, listOwners, PAGE_SIZE } from '../services/campaigns.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { roleCan } from '../utils/permissions'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:read')
  const url = new URL(request.url)
  const filters = parseQuery(request, CampaignFiltersSchema, user)
  const [{ rows, total }, owners] = await Promise.all([listCampaigns(user, filters), listOwners(user)])
  const showBudget = roleCan(user.role, 'budget:read')
  return {
    rows: rows.map((r) => (showBudget ? r : { ...r, plannedFen: null, actualFen: null })),
    total,
    page: filters.page,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    filtered: [...url.searchParams.keys()].some((k) => !['sort', 'dir', 'page'].includes(k) && url.searchParams.get(k)),
    stores: user.stores.map((s) => ({ id: s.id, name: s.name })),
    owners,
    canCreate: roleCan(user.role, 'campaign:write'),
    showBudget,
    today: storeToday(user.stores),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'campaigns.title')

export default function Campaigns() {
  const d = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, day, money } = useI18n()
  const p = (k: string) => params.get(k) ?? ''
  return (
    <>
      <div className="page-head">
        <h1>{t('campaigns.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('campaigns.count', { count: d.total })}
        </span>
        <div className="actions">
          <Link to="/campaigns/timeline" className="btn">
            {t('nav.timeline')}
          </Link>
          {d.canCreate ? (
            <Link to="/campaigns/new" className="btn btn-primary">
              + {t('campaigns.new')}
            </Link>
          ) : null}
        </div>
      </div>
      <Form method="get" key={params.toString()} className="card filters" role="search">
        <div className="field">
          <label htmlFor="q">{t('campaigns.searchLabel')}</label>
          <input id="q" name="q" type="search" maxLength={100} defaultValue={p('q')} />
        </div>
        {d.stores.length > 1 ? (
          <FilterSelect name="store" label={t('common.store')} value={p('store')} options={d.stores.map((s) => ({ value: s.id, label: s.name }))} />
        ) : null}
        <FilterSelect
          name="status"
          label={t('common.status')}
          value={p('status')}
          options={CAMPAIGN_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
        />
        <FilterSelect name="form" label={t('campaigns.form')} value={p('form')} options={CAMPAIGN_FORMS.map((f) => ({ value: f, label: t(`form.${f}`) }))} />
        <FilterSelect name="owner" label={t('campaigns.owner')} value={p('owner')} options={d.owners.map((o) => ({ value: o.id, label: o.name }))} />
        <div className="field">
          <label htmlFor="model">{t('campaigns.model')}</label>
          <input id="model" name="model" type="text" maxLength={60} defaultValue={p('model')} />
        </div>
        <DateRange id="cf-period" label={t('range.period')} from={p('from')} to={p('to')} today={d.today} fromLabel={t('campaigns.periodFrom')} toLabel={t('campaigns.periodTo')} />
        <FilterActions resetTo="/campaigns" />
      </Form>
      {d.rows.length ? (
        <>
          <div className="table-wrap" tabIndex={0}>
            <table className="cards">
              <thead>
                <tr>
                  <SortHeader column="name" defaultSort="startDate">
                    {t('campaigns.name')}
                  </SortHeader>
                  <SortHeader column="store" defaultSort="startDate" className="hide-sm">
                    {t('common.store')}
                  </SortHeader>
                  <th scope="col" className="hide-sm">
                    {t('campaigns.form')}
                  </th>
                  <SortHeader column="startDate" defaultSort="startDate">
                    {t('campaigns.dates')}
                  </SortHeader>
                  <SortHeader column="status" defaultSort="startDate">
                    {t('common.status')}
                  </SortHeader>
                  <th scope="col" className="hide-sm">
                    {t('campaigns.owner')}
                  </th>
                  {d.showBudget ? (
                    <SortHeader column="planned" defaultSort="startDate" className="num">
                      {t('campaigns.budget')}
                    </SortHeader>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => {
                  const over = r.actualFen != null && r.plannedFen != null && r.actualFen > r.plannedFen
                  return (
                    <tr key={r.id}>
                      <td>
                        <Link to={`/campaigns/${r.id}`}>{r.name}</Link>
                        {r.models.length ? <div className="small muted">{r.models.join(' · ')}</div> : null}
                      </td>
                      <td className="hide-sm" data-label={t('common.store')}>
                        {r.storeName}
                      </td>
                      <td className="hide-sm" data-label={t('campaigns.form')}>
                        {r.form ? t(`form.${r.form}`) : '—'}
                      </td>
                      <td className="nowrap" data-label={t('campaigns.dates')}>
                        {r.startDate || r.endDate ? (
                          <>
                            {day(r.startDate)}
                            <div className="small muted">– {day(r.endDate)}</div>
                          </>
                        ) : (
                          <span className="muted">{t('campaign.datesNotSet')}</span>
                        )}
                      </td>
                      <td data-label={t('common.status')}>
                        <StatusBadge status={r.status} />
                      </td>
                      <td className="hide-sm" data-label={t('campaigns.owner')}>
                        {r.ownerName ?? '—'}
                      </td>
                      {d.showBudget ? (
                        <td className="num" data-label={t('campaigns.budget')}>
                          {money(r.plannedFen, r.currency)}
                          {r.actualFen != null ? (
                            <div className={`small ${over ? 'error-text' : 'muted'}`}>
                              {t('campaign.actualTotal')} {money(r.actualFen, r.currency)}
                            </div>
                          ) : null}
                        </td>
                      ) : null}
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
          <Pager page={d.page} pages={d.pages} />
        </>
      ) : (
        <div className="card empty">
          <p>{d.filtered ? t('campaigns.empty') : t('campaigns.emptyFirst')}</p>
          {d.canCreate ? (
            <Link to="/campaigns/new" className="btn btn-primary">
              + {t('campaigns.new')}
            </Link>
          ) : null}
        </div>
      )}
    </>
  )
}
