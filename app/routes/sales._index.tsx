import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { DateRange } from '../components/date-range'
import { FilterActions, FilterSelect } from '../components/filter-select'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { Pager } from '../components/sort-header'
import { SalesTable } from '../components/sales-table'
import { SALE_MATCH_STATUSES, SalesListFiltersSchema } from '../schemas/sales'
import { listOpenSalesImportJobs, listSales } from '../services/sales.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'sales:read')
  const filters = parseQuery(request, SalesListFiltersSchema, user)
  const canImport = roleCan(user.role, 'sales:import') && user.stores.some((s) => canWriteStore(user, s.id))
  const [list, open] = await Promise.all([listSales(user, filters), canImport ? listOpenSalesImportJobs(user) : []])
  const url = new URL(request.url)
  return {
    ...list,
    open,
    canImport,
    filtered: ['store', 'from', 'to', 'month', 'model', 'consultant', 'match'].some((k) => url.searchParams.get(k)),
    canReview: roleCan(user.role, 'sales:review'),
    canOpenLeads: roleCan(user.role, 'lead:read'),
    stores: user.stores.map((s) => ({ id: s.id, name: s.name })),
    // the presets' days are the store's
    today: storeToday(user.stores),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sales.title')

export default function Sales() {
  const d = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, num, money } = useI18n()
  const p = (k: string) => params.get(k) ?? ''
  const options = (values: string[]) => values.map((v) => ({ value: v, label: v }))
  return (
    <>
      <div className="page-head">
        <h1>{t('sales.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('sales.count', { count: num(d.total) })}
        </span>
        {d.canImport ? (
          <div className="actions">
            <Link to="/sales/import" className="btn btn-primary">
              + {t('sales.import.title')}
            </Link>
          </div>
        ) : null}
      </div>
      <SalesImportJobs jobs={d.open} />
      {d.toReview && d.canReview ? (
        <div className="alert alert-info" role="status">
          {t('sales.toReview', { count: num(d.toReview) })} <Link to="/sales/matches">{t('sales.toReviewLink')}</Link>
        </div>
      ) : null}
      {!d.ready ? (
        <div className="alert alert-info" role="status">
          {t('sales.notReady')}
        </div>
      ) : null}
      <Form method="get" key={params.toString()} className="card filters" role="search">
        {d.stores.length > 1 ? <FilterSelect name="store" label={t('common.store')} value={p('store')} options={d.stores.map((s) => ({ value: s.id, label: s.name }))} /> : null}
        <DateRange id="sf-period" label={t('sales.filter.period')} from={p('from')} to={p('to')} today={d.today} hint={t('sales.filter.periodHint')} />
        <FilterSelect name="model" label={t('sales.filter.model')} value={p('model')} options={options(d.choices.models)} />
        <FilterSelect name="consultant" label={t('sales.field.consultant')} value={p('consultant')} options={options(d.choices.consultants)} />
        <FilterSelect
          name="match"
          label={t('matchback.col.status')}
          value={p('match')}
          options={SALE_MATCH_STATUSES.map((m) => ({ value: m, label: t(`matchback.status.${m}`) }))}
        />
        {p('sort') ? <input type="hidden" name="sort" value={p('sort')} /> : null}
        {p('dir') ? <input type="hidden" name="dir" value={p('dir')} /> : null}
        <FilterActions resetTo="/sales" showReset={d.filtered} />
      </Form>
      {d.rows.length ? (
        <>
          <p className="small muted sales-sums">
            {t('sales.sums', { revenue: money(d.revenueFen), profit: money(d.profitFen) })}
          </p>
          <SalesTable rows={d.rows} showStore={d.stores.length > 1} linkLeads={d.canOpenLeads} />
          <Pager page={d.page} pages={d.pages} />
        </>
      ) : (
        <div className="card empty">
          {d.filtered ? (
            <p>{t('sales.emptyFiltered')}</p>
          ) : (
            <>
              <p>
                <strong>{t('sales.empty')}</strong>
              </p>
              <p>{d.canImport ? t('sales.emptyHint') : t('sales.emptyHintReadOnly')}</p>
              {d.canImport ? (
                <Link to="/sales/import" className="btn btn-primary">
                  + {t('sales.import.title')}
                </Link>
              ) : null}
            </>
          )}
        </div>
      )}
    </>
  )
}
