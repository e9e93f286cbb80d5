import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { LEAD_GRADES, LEAD_STATUSES } from '../../db/schema/enums'
import { LeadStatusBadge, useChannelOptions } from '../components/lead-fields'
import { DateRange } from '../components/date-range'
import { FilterActions, FilterSelect } from '../components/filter-select'
import { storeToday } from '../utils/zoned-time'
import { Pager, SortHeader } from '../components/sort-header'
import { LeadFiltersSchema } from '../schemas/lead'
import { canSeeFullPhone, isShortPhoneQuery, LEADS_PAGED_MAX, listConsultants, listLeadCampaigns, listLeads } from '../services/leads.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:read')
  const url = new URL(request.url)
  const filters = parseQuery(request, LeadFiltersSchema, user)
  const storeIds = user.stores.map((s) => s.id)
  const [list, consultants, campaigns] = await Promise.all([
    listLeads(user, filters),
    listConsultants(storeIds),
    listLeadCampaigns(storeIds, ['approved', 'running', 'completed', 'evaluated', 'cancelled']),
  ])
  const exportQuery = new URLSearchParams(url.searchParams)
  exportQuery.delete('page')
  exportQuery.delete('notice')
  return {
    today: storeToday(user.stores),
    ...list,
    filtered: [...url.searchParams.keys()].some((k) => !['sort', 'dir', 'page', 'notice'].includes(k) && url.searchParams.get(k)),
    stores: user.stores.map((s) => ({ id: s.id, name: s.name })),
    consultants: [...new Map(consultants.map((c) => [c.id, { id: c.id, name: c.name }])).values()],
    campaigns: campaigns.map((c) => ({ id: c.id, name: c.name })),
    canCreate: roleCan(user.role, 'lead:write') && user.stores.some((s) => canWriteStore(user, s.id)),
    fullPhones: canSeeFullPhone(user),
    /** digits too few to find a phone by: the page says how many it takes */
    shortPhoneQuery: isShortPhoneQuery(filters.q),
    pagedMax: LEADS_PAGED_MAX,
    exportHref: `/leads/export.csv${exportQuery.size ? `?${exportQuery}` : ''}`,
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'leads.title')

export default function Leads() {
  const d = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, moment, num } = useI18n()
  const channels = useChannelOptions()
  const p = (k: string) => params.get(k) ?? ''
  const select = (name: string, label: string, options: Array<{ value: string; label: string }>) => (
    <FilterSelect name={name} label={label} options={options} value={p(name)} />
  )
  return (
    <>
      <div className="page-head">
        <h1>{t('leads.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {d.more ? t('leads.countMore', { count: num(d.pagedMax) }) : t('leads.count', { count: d.total })}
        </span>
        <div className="actions">
          <a href={d.exportHref} className="btn" download title={t('leads.exportHint')}>
            {t('leads.export')}
          </a>
          {d.canCreate ? (
            <Link to="/leads/new" className="btn btn-primary">
              + {t('leads.new')}
            </Link>
          ) : null}
        </div>
      </div>
      {params.get('notice') === 'erased' ? (
        <div className="alert alert-success" role="status">
          {t('leads.notice.erased')}
        </div>
      ) : null}
      {d.shortPhoneQuery ? (
        <div className="alert alert-info" role="status">
          {t('leads.searchDigitsShort')}
        </div>
      ) : null}
      <Form method="get" key={params.toString()} className="card filters" role="search">
        <div className="field">
          <label htmlFor="lf-q">{t('leads.searchLabel')}</label>
          <input id="lf-q" name="q" type="search" maxLength={60} defaultValue={p('q')} aria-describedby="lf-q-hint" />
          <span className="hint" id="lf-q-hint">
            {t(d.fullPhones ? 'leads.searchHintFull' : 'leads.searchHintMasked')}
          </span>
        </div>
        {d.stores.length > 1 ? select('store', t('common.store'), d.stores.map((s) => ({ value: s.id, label: s.name }))) : null}
        {select('status', t('common.status'), LEAD_STATUSES.map((s) => ({ value: s, label: t(`leads.status.${s}`) })))}
        {select('channel', t('leads.field.channel'), channels)}
        {select('campaign', t('leads.field.campaign'), d.campaigns.map((c) => ({ value: c.id, label: c.name })))}
        {select('consultant', t('leads.field.consultant'), d.consultants.map((c) => ({ value: c.id, label: c.name })))}
        {select('grade', t('leads.field.grade'), LEAD_GRADES.map((g) => ({ value: g, label: g })))}
        <DateRange id="lf-period" label={t('range.period')} from={p('from')} to={p('to')} today={d.today} fromLabel={t('leads.field.from')} toLabel={t('leads.field.to')} />
        <FilterActions resetTo="/leads" />
      </Form>
      {d.rows.length ? (
        <>
          <div className="table-wrap" tabIndex={0}>
            <table className="cards">
              <thead>
                <tr>
                  <SortHeader column="name" defaultSort="lastTouchAt">
                    {t('leads.field.name')}
                  </SortHeader>
                  <th scope="col">{t('leads.field.phone')}</th>
                  <SortHeader column="status" defaultSort="lastTouchAt">
                    {t('common.status')}
                  </SortHeader>
                  <th scope="col">{t('leads.field.firstChannel')}</th>
                  <th scope="col" className="num">
                    {t('leads.field.visits')}
                  </th>
                  <th scope="col" className="hide-sm">
                    {t('leads.field.consultant')}
                  </th>
                  <SortHeader column="firstTouchAt" defaultSort="lastTouchAt" className="hide-sm">
                    {t('leads.field.firstTouch')}
                  </SortHeader>
                  <SortHeader column="lastTouchAt" defaultSort="lastTouchAt">
                    {t('leads.field.lastTouch')}
                  </SortHeader>
                  {d.stores.length > 1 ? (
                    <SortHeader column="store" defaultSort="lastTouchAt" className="hide-sm">
                      {t('common.store')}
                    </SortHeader>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/leads/${r.id}`}>{r.name || t('leads.noName')}</Link>
                      {r.modelOfInterest || r.city ? <div className="small muted">{[r.modelOfInterest, r.city].filter(Boolean).join(' · ')}</div> : null}
                    </td>
                    <td className="nowrap" data-label={t('leads.field.phone')}>{r.phone || <span className="muted">{t('leads.noPhone')}</span>}</td>
                    <td data-label={t('common.status')}>
                      <LeadStatusBadge status={r.status} />
                      {r.grade ? <span className="small muted"> {r.grade}</span> : null}
                      {r.status === 'lost' && r.lostToBrand ? (
                        <div className="small muted">{t('leads.detail.lostTo', { brand: r.lostToBrand, model: r.lostToModel ?? '' })}</div>
                      ) : null}
                    </td>
                    <td data-label={t('leads.field.firstChannel')}>
                      {r.firstChannel ? t(`leads.channel.${r.firstChannel}`) : '—'}
                      {r.campaignName ? <div className="small muted">{r.campaignName}</div> : null}
                    </td>
                    <td className="num" data-label={t('leads.field.visits')}>
                      {r.visits}
                      {r.lastVisitType ? (
                        <div className="small muted">
                          {t('leads.lastVisit', { type: t(r.lastVisitType === 'return' ? 'leads.visitType.return' : 'leads.visitType.first') })}
                        </div>
                      ) : null}
                    </td>
                    <td className="hide-sm" data-label={t('leads.field.consultant')}>
                      {r.consultantName ?? '—'}
                    </td>
                    <td className="hide-sm nowrap small" data-label={t('leads.field.firstTouch')}>
                      {moment(r.firstTouchAt, r.timeZone)}
                    </td>
                    <td className="nowrap small" data-label={t('leads.field.lastTouch')}>
                      {moment(r.lastTouchAt, r.timeZone)}
                    </td>
                    {d.stores.length > 1 ? (
                      <td className="hide-sm" data-label={t('common.store')}>
                        {r.storeName}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={d.page} pages={d.pages} />
          {d.more ? <p className="small muted">{t('leads.pagingCapped', { count: num(d.pagedMax) })}</p> : null}
        </>
      ) : (
        <div className="card empty">
          <p>{d.filtered ? t('leads.empty') : d.canCreate ? t('leads.emptyFirst') : t('leads.emptyFirstReadOnly')}</p>
          {d.canCreate && !d.filtered ? (
            <div className="form-actions" style={{ justifyContent: 'center' }}>
              <Link to="/desk" className="btn btn-primary">
                {t('desk.nav')}
              </Link>
              <Link to="/leads/new" className="btn">
                + {t('leads.new')}
              </Link>
            </div>
          ) : null}
        </div>
      )}
    </>
  )
}
