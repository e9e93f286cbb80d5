import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { CompetitorTabs } from '../components/competitor-tabs'
import { FilterActions, FilterSelect } from '../components/filter-select'
import { ImportStatusBadge } from '../components/import-status'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { Pager } from '../components/sort-header'
import { MarketListFiltersSchema } from '../schemas/market'
import { listMarketImports, listOpenMarketImportJobs } from '../services/market.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

/**
 * The market data (SPEC §5): the region's monthly insurance registrations (上险数) or sales by
 * brand, model and city, as imported files — each with its measure, the months it covers and
 * its rows — and the way to import the next one.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const filters = parseQuery(request, MarketListFiltersSchema, user)
  const canImport = roleCan(user.role, 'sales:import') && user.stores.some((s) => canWriteStore(user, s.id))
  const [list, open] = await Promise.all([listMarketImports(user, { storeId: filters.store, page: filters.page }), canImport ? listOpenMarketImportJobs(user) : []])
  return { ...list, open, canImport, stores: user.stores.map((s) => ({ id: s.id, name: s.name })) }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'market.title')

export default function MarketData() {
  const d = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, num, moment } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / {t('market.title')}
      </div>
      <div className="page-head">
        <h1>{t('market.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('market.count', { count: num(d.total) })}
        </span>
        <div className="actions">
          {d.canImport ? (
            <Link to="/competitors/market/import" className="btn btn-primary">
              + {t('market.import.title')}
            </Link>
          ) : null}
        </div>
      </div>
      <CompetitorTabs />
      <p className="muted">{t('market.intro')}</p>
      <SalesImportJobs jobs={d.open} title={t('market.jobs.title')} />
      {d.stores.length > 1 ? (
        <Form method="get" key={params.toString()} className="card filters" role="search">
          <FilterSelect name="store" label={t('common.store')} value={params.get('store') ?? ''} options={d.stores.map((s) => ({ value: s.id, label: s.name }))} />
          <FilterActions resetTo="/competitors/market" showReset={params.has('store')} />
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
                  <th scope="col">{t('market.measure.label')}</th>
                  <th scope="col">{t('market.col.months')}</th>
                  <th scope="col" className="hide-sm">
                    {t('imports.col.store')}
                  </th>
                  <th scope="col">{t('imports.col.status')}</th>
                  <th scope="col" className="num">
                    {t('market.detail.imported')}
                  </th>
                  <th scope="col" className="num">
                    {t('market.detail.rejected')}
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
                    <td data-label={t('imports.col.file')} className="break-all">
                      <Link to={`/competitors/market/imports/${i.id}`}>{i.fileName}</Link>
                    </td>
                    <td data-label={t('market.measure.label')}>{t(`market.measure.${i.measure}`)}</td>
                    <td data-label={t('market.col.months')}>{monthSpan(i.months)}</td>
                    <td className="hide-sm" data-label={t('imports.col.store')}>
                      {i.storeName}
                    </td>
                    <td data-label={t('imports.col.status')}>
                      <ImportStatusBadge status={i.status} />
                    </td>
                    <td className="num" data-label={t('market.detail.imported')}>
                      {num(i.rowsImported)}
                    </td>
                    <td className="num" data-label={t('market.detail.rejected')}>
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
            <strong>{t('market.empty')}</strong>
          </p>
          <p>{t(d.canImport ? 'market.emptyHint' : 'market.emptyReadOnly')}</p>
          {d.canImport ? (
            <Link to="/competitors/market/import" className="btn btn-primary">
              + {t('market.import.title')}
            </Link>
          ) : null}
        </div>
      )}
    </>
  )
}

/** 2026-01 – 2026-03 for a run of months; the first and last otherwise, with how many. */
function monthSpan(months: string[]) {
  if (!months.length) return '—'
  if (months.length === 1) return months[0]
  return `${months[0]} – ${months.at(-1)} (${months.length})`
}
