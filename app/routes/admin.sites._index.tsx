import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { listSites } from '../services/sites.server'
import { NoticeQuerySchema } from '../schemas/fields'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'site:manage')
  const { notice } = parseQuery(request, NoticeQuerySchema, user)
  return { sites: await listSites(user), canCreate: user.stores.length > 0, notice: notice === 'updated' ? notice : null }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sites.title')

export default function Sites() {
  const d = useLoaderData<typeof loader>()
  const { t, num, moment } = useI18n()
  return (
    <>
      <div className="page-head">
        <h1>{t('sites.title')}</h1>
        <div className="actions">
          {d.canCreate ? (
            <Link to="new" className="btn btn-primary">
              + {t('sites.new')}
            </Link>
          ) : null}
        </div>
      </div>
      {d.notice ? (
        <div className="alert alert-success" role="status">
          {t('sites.updated')}
        </div>
      ) : null}
      <p className="muted">{t('sites.intro')}</p>
      {!d.sites.length ? (
        <div className="card empty">
          <p>{t(d.canCreate ? 'sites.empty' : 'sites.noStores')}</p>
          {d.canCreate ? (
            <Link to="new" className="btn btn-primary">
              {t('sites.new')}
            </Link>
          ) : null}
        </div>
      ) : (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('sites.name')}</th>
                <th scope="col">{t('sites.store')}</th>
                <th scope="col">{t('sites.origins')}</th>
                <th scope="col" className="num">{t('sites.events24h')}</th>
                <th scope="col" className="num">{t('sites.visitors')}</th>
                <th scope="col" className="num">{t('sites.leads')}</th>
                <th scope="col">{t('sites.lastEvent')}</th>
              </tr>
            </thead>
            <tbody>
              {d.sites.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={s.id}>{s.name}</Link>{' '}
                    <span className={`badge ${s.active ? 'badge-approved' : 'badge-cancelled'}`}>
                      {t(s.active ? 'sites.statusActive' : 'sites.statusInactive')}
                    </span>
                  </td>
                  <td>{s.storeName}</td>
                  <td className="small">
                    {s.origins.map((o) => (
                      <div key={o}>{o}</div>
                    ))}
                  </td>
                  <td className="num">{num(s.events24h)}</td>
                  <td className="num">{num(s.visitors)}</td>
                  <td className="num">{num(s.leads)}</td>
                  <td className="nowrap">{s.lastEventAt ? moment(s.lastEventAt, s.storeTimeZone) : <span className="muted">{t('sites.never')}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
