import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { FilterSelect } from '../components/filter-select'
import { ImportStatusBadge } from '../components/import-status'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { Pager } from '../components/sort-header'
import { ImportListFiltersSchema, type LeadPlatform } from '../schemas/lead-import'
import { listImports } from '../services/lead-import.server'
import { listOpenSalesImportJobs } from '../services/sales.server'
import { listOpenMarketImportJobs } from '../services/market.server'
import { listOpenLeadImportJobs } from '../services/lead-import-job.server'
import { listOpenObservationImportJobs } from '../services/observation-import-job.server'
import { failInterruptedSalesImports } from '../services/sales-import.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  const filters = parseQuery(request, ImportListFiltersSchema, user)
  // sales and market-data imports are listed for the roles that see sales data (the front desk imports leads only)
  const seesSales = roleCan(user.role, 'sales:read')
  // competitor observations are imported by every role that imports (the executive does neither)
  const kinds = (seesSales ? ['leads', 'sales', 'market', 'observations'] : ['leads', 'observations']).filter((k) => !filters.kind || k === filters.kind)
  if (seesSales) await failInterruptedSalesImports()
  const [list, sales, leads, market] = await Promise.all([
    listImports(user, { storeId: filters.store, page: filters.page, kinds }),
    seesSales && kinds.includes('sales') ? listOpenSalesImportJobs(user) : [],
    kinds.includes('leads') ? listOpenLeadImportJobs(user) : [],
    seesSales && kinds.includes('market') ? listOpenMarketImportJobs(user) : [],
  ])
  const observations = kinds.includes('observations') ? await listOpenObservationImportJobs(user) : []
  const open = [...leads, ...sales, ...market, ...observations].sort((a, b) => b.job.createdAt.localeCompare(a.job.createdAt))
  return {
    ...list,
    open,
    seesSales,
    canImportSales: roleCan(user.role, 'sales:import'),
    kind: filters.kind ?? null,
    stores: user.stores.map((s) => ({ id: s.id, name: s.name })),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'imports.title')

export default function Imports() {
  const d = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, num, moment } = useI18n()
  return (
    <>
      <div className="page-head">
        <h1>{t('imports.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('imports.count', { count: d.total })}
        </span>
        <div className="actions">
          <Link to="/imports/new" className="btn btn-primary">
            + {t('imports.new')}
          </Link>
          {d.canImportSales ? (
            <Link to="/sales/import" className="btn">
              + {t('sales.import.title')}
            </Link>
          ) : null}
        </div>
      </div>
      <SalesImportJobs jobs={d.open} title={t('imports.jobs.title')} />
      {d.stores.length > 1 || d.seesSales ? (
        <Form method="get" key={params.toString()} className="card filters" role="search">
          {d.stores.length > 1 ? (
            <FilterSelect name="store" label={t('common.store')} value={params.get('store') ?? ''} options={d.stores.map((s) => ({ value: s.id, label: s.name }))} />
          ) : null}
          {d.seesSales ? (
            <FilterSelect
              name="kind"
              label={t('sales.kind.label')}
              value={params.get('kind') ?? ''}
              options={(['leads', 'sales', 'market', 'observations'] as const).map((k) => ({ value: k, label: t(k === 'observations' ? 'competitors.import.kind' : k === 'market' ? 'market.kind' : `sales.kind.${k}`) }))}
            />
          ) : null}
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              {t('common.filter')}
            </button>
          </div>
        </Form>
      ) : null}
      {d.imports.length ? (
        <>
          <div className="table-wrap" tabIndex={0}>
            <table className="cards">
              <thead>
                <tr>
                  <th scope="col">{t('imports.col.when')}</th>
                  <th scope="col">{t('imports.col.file')}</th>
                  {d.seesSales ? <th scope="col">{t('sales.kind.label')}</th> : null}
                  <th scope="col" className="hide-sm">
                    {t('imports.col.store')}
                  </th>
                  <th scope="col" className="hide-sm">
                    {t('imports.col.platform')}
                  </th>
                  <th scope="col">{t('imports.col.status')}</th>
                  <th scope="col" className="num">
                    {t(d.kind === 'leads' || !d.seesSales ? 'imports.col.imported' : 'sales.kind.imported')}
                  </th>
                  <th scope="col" className="num hide-sm">
                    {t('imports.col.merged')}
                  </th>
                  <th scope="col" className="num hide-sm">
                    {t('imports.col.skipped')}
                  </th>
                  <th scope="col" className="num">
                    {t('imports.col.failed')}
                  </th>
                  <th scope="col" className="hide-sm">
                    {t('imports.col.by')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.imports.map((i) => (
                  <tr key={i.id}>
                    <td className="nowrap">{moment(i.createdAt, i.timeZone)}</td>
                    <td data-label={t('imports.col.file')}>
                      <Link to={i.kind === 'observations' ? `/competitors/imports/${i.id}` : i.kind === 'sales' ? `/sales/imports/${i.id}` : i.kind === 'market' ? `/competitors/market/imports/${i.id}` : `/imports/${i.id}`}>{i.fileName}</Link>
                    </td>
                    {d.seesSales ? <td data-label={t('sales.kind.label')}>{t(i.kind === 'observations' ? 'competitors.import.kind' : i.kind === 'sales' ? 'sales.kind.sales' : i.kind === 'market' ? 'market.kind' : 'sales.kind.leads')}</td> : null}
                    <td className="hide-sm" data-label={t('imports.col.store')}>
                      {i.storeName}
                    </td>
                    <td className="hide-sm" data-label={t('imports.col.platform')}>
                      {i.kind !== 'leads' ? '—' : i.platform ? t(`imports.platform.${i.platform as LeadPlatform}`) : t('imports.platform.unknown')}
                    </td>
                    <td data-label={t('imports.col.status')}>
                      <ImportStatusBadge status={i.status} />
                    </td>
                    <td className="num" data-label={t(d.kind === 'leads' || !d.seesSales ? 'imports.col.imported' : 'sales.kind.imported')}>
                      {num(i.rowsImported)}
                    </td>
                    <td className="num hide-sm" data-label={t('imports.col.merged')}>
                      {i.kind !== 'leads' ? '—' : num(i.rowsMerged)}
                    </td>
                    <td className="num hide-sm" data-label={t('imports.col.skipped')}>
                      {num(i.rowsSkipped)}
                    </td>
                    <td className="num" data-label={t('imports.col.failed')}>
                      {num(i.rowsFailed)}
                    </td>
                    <td className="hide-sm" data-label={t('imports.col.by')}>
                      {i.createdBy ?? t('imports.detail.system')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={d.page} pages={d.pages} />
        </>
      ) : (
        <div className="card empty">
          <p>
            <strong>{t('imports.empty')}</strong>
          </p>
          <p>{t('imports.emptyHint')}</p>
          <Link to="/imports/new" className="btn btn-primary">
            + {t('imports.new')}
          </Link>
        </div>
      )}
    </>
  )
}
