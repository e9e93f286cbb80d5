import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { FilterSelect } from '../components/filter-select'
import { ImportStatusBadge } from '../components/import-status'
import { Pager } from '../components/sort-header'
import { ImportListFiltersSchema, type LeadPlatform } from '../schemas/lead-import'
import { listImports } from '../services/lead-import.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  const filters = parseQuery(request, ImportListFiltersSchema, user)
  const list = await listImports(user, { storeId: filters.store, page: filters.page })
  return { ...list, stores: user.stores.map((s) => ({ id: s.id, name: s.name })) }
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
        </div>
      </div>
      {d.stores.length > 1 ? (
        <Form method="get" className="card filters" role="search">
          <FilterSelect name="store" label={t('common.store')} value={params.get('store') ?? ''} options={d.stores.map((s) => ({ value: s.id, label: s.name }))} />
          <div className="form-actions">
            <button type="submit" className="btn btn-primary">
              {t('common.filter')}
            </button>
          </div>
        </Form>
      ) : null}
      {d.imports.length ? (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('imports.col.when')}</th>
                  <th scope="col">{t('imports.col.file')}</th>
                  <th scope="col" className="hide-sm">
                    {t('imports.col.store')}
                  </th>
                  <th scope="col" className="hide-sm">
                    {t('imports.col.platform')}
                  </th>
                  <th scope="col">{t('imports.col.status')}</th>
                  <th scope="col" className="num">
                    {t('imports.col.imported')}
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
                    <td>
                      <Link to={`/imports/${i.id}`}>{i.fileName}</Link>
                    </td>
                    <td className="hide-sm">{i.storeName}</td>
                    <td className="hide-sm">{i.platform ? t(`imports.platform.${i.platform as LeadPlatform}`) : t('imports.platform.unknown')}</td>
                    <td>
                      <ImportStatusBadge status={i.status} />
                    </td>
                    <td className="num">{num(i.rowsImported)}</td>
                    <td className="num hide-sm">{num(i.rowsMerged)}</td>
                    <td className="num hide-sm">{num(i.rowsSkipped)}</td>
                    <td className="num">{num(i.rowsFailed)}</td>
                    <td className="hide-sm">{i.createdBy ?? t('imports.detail.system')}</td>
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
