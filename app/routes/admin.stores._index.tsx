import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { listGroupStores } from '../services/stores.server'
import { adminScope } from '../services/users.server'
import { NoticeQuerySchema } from '../schemas/fields'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { resolveLocale } from '../utils/i18n.server'
import { formatCurrencyName, formatTimeZone } from '../utils/format'

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'store:manage')
  const { notice } = parseQuery(request, NoticeQuerySchema, admin)
  const locale = resolveLocale(request, admin.locale)
  return {
    // named on the server: the browser's ICU names zones differently from Node's
    stores: (await listGroupStores(admin)).map((s) => ({ ...s, timeZoneLabel: formatTimeZone(s.timeZone, locale), currencyLabel: formatCurrencyName(s.currency, locale) })),
    canCreate: (await adminScope(admin)).wholeGroup,
    notice: notice === 'created' || notice === 'updated' ? notice : null,
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'stores.title')

export default function Stores() {
  const d = useLoaderData<typeof loader>()
  const { t, num } = useI18n()
  return (
    <>
      <div className="page-head">
        <h1>{t('stores.title')}</h1>
        <div className="actions">
          {d.canCreate ? (
            <Link to="new" className="btn btn-primary">
              + {t('stores.new')}
            </Link>
          ) : null}
        </div>
      </div>
      {d.notice ? (
        <div className="alert alert-success" role="status">
          {t(d.notice === 'created' ? 'stores.created' : 'stores.updated')}
        </div>
      ) : null}
      {!d.canCreate ? <p className="muted small">{t('stores.onlyGroupAdmin')}</p> : null}
      <div className="table-wrap" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('stores.name')}</th>
              <th scope="col">{t('stores.brand')}</th>
              <th scope="col">{t('stores.city')}</th>
              <th scope="col">{t('stores.timeZone')}</th>
              <th scope="col">{t('stores.currency')}</th>
              <th scope="col" className="num">{t('stores.people')}</th>
              <th scope="col" className="num">{t('stores.campaigns')}</th>
            </tr>
          </thead>
          <tbody>
            {d.stores.map((s) => (
              <tr key={s.id}>
                <td>
                  {s.managed ? <Link to={s.id}>{s.name}</Link> : s.name}
                  {!s.managed ? <div className="small muted">{t('stores.notManaged')}</div> : null}
                </td>
                <td>{s.brand}</td>
                <td>{s.city}</td>
                <td>{s.timeZoneLabel}</td>
                <td>{s.currencyLabel}</td>
                <td className="num">{num(s.people)}</td>
                <td className="num">{num(s.campaigns)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  )
}
