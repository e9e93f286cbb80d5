import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { ROLES } from '../../db/schema/enums'
import { UserListQuerySchema, type UserListQuery } from '../schemas/users'
import { SortHeader } from '../components/sort-header'
import { listUsers } from '../services/users.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { FilterActions } from '../components/filter-select'

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'user:manage')
  const query = parseQuery(request, UserListQuerySchema, admin)
  const rows = await listUsers(admin, query)
  const storeNames = new Map(admin.stores.map((s) => [s.id, s.name]))
  const notice = query.notice
  return {
    query,
    filtered: Boolean(query.q || query.role),
    notice: notice === 'created' || notice === 'updated' ? notice : null,
    users: rows.map((u) => ({
      id: u.id,
      name: u.name,
      email: u.email,
      role: u.role,
      active: u.active,
      isSelf: u.id === admin.id,
      stores: u.storeIds.flatMap((id) => storeNames.get(id) ?? []),
      otherStores: u.storeIds.filter((id) => !storeNames.has(id)).length,
    })),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'users.title')

const COLUMNS = [
  ['name', 'users.name'],
  ['email', 'users.email'],
  ['role', 'users.role'],
] as const

export default function Users() {
  const { t } = useI18n()
  const { users, query, filtered, notice } = useLoaderData<typeof loader>()
  return (
    <>
      <div className="page-head">
        <h1>{t('users.title')}</h1>
        <span className="muted">{t('users.count', { count: users.length })}</span>
        <div className="actions">
          <Link to="/admin/users/new" className="btn btn-primary">
            {t('users.new')}
          </Link>
        </div>
      </div>
      {notice ? (
        <div className="alert alert-success" role="status">
          {t(notice === 'created' ? 'users.created' : 'users.updated')}
        </div>
      ) : null}
      <Form method="get" className="card filters" role="search">
        <input type="hidden" name="sort" value={query.sort} />
        <input type="hidden" name="dir" value={query.dir} />
        <div className="field">
          <label htmlFor="q">{t('users.searchLabel')}</label>
          <input id="q" name="q" type="search" maxLength={100} defaultValue={query.q ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="role">{t('users.role')}</label>
          <select id="role" name="role" defaultValue={query.role ?? ''}>
            <option value="">{t('common.all')}</option>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`role.${role}`)}
              </option>
            ))}
          </select>
        </div>
        <FilterActions resetTo="/admin/users" showReset={filtered} />
      </Form>
      {users.length === 0 ? (
        <div className="card empty">
          <p>{t('users.empty')}</p>
          <Link to="/admin/users" className="btn">
            {t('common.reset')}
          </Link>
        </div>
      ) : (
        <div className="table-wrap" tabIndex={0}>
          <table className="cards">
            <thead>
              <tr>
                {COLUMNS.map(([column, key]) => (
                  <SortHeader key={column} column={column} defaultSort="name" defaultDir="asc">
                    {t(key)}
                  </SortHeader>
                ))}
                <th scope="col">{t('users.stores')}</th>
                <SortHeader column="active" defaultSort="name" defaultDir="asc">
                  {t('common.status')}
                </SortHeader>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id}>
                  <td>
                    <Link to={`/admin/users/${user.id}`}>{user.name}</Link>
                    {user.isSelf ? <span className="muted small"> ({t('users.you')})</span> : null}
                  </td>
                  <td className="nowrap" data-label={t(COLUMNS[1]![1])}>
                    {user.email}
                  </td>
                  <td className="nowrap" data-label={t(COLUMNS[2]![1])}>
                    {t(`role.${user.role}`)}
                  </td>
                  <td data-label={t('users.stores')}>
                    {user.role === 'executive' ? t('users.allStores') : user.stores.join('、') || '—'}
                    {user.role !== 'executive' && user.otherStores ? (
                      <span className="muted small"> {t('users.otherStores', { count: user.otherStores })}</span>
                    ) : null}
                  </td>
                  <td data-label={t('common.status')}>
                    <span className={user.active ? 'badge badge-completed' : 'badge badge-cancelled'}>
                      {user.active ? t('users.active') : t('users.inactive')}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  )
}
