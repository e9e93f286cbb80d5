import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import { AuditQuerySchema } from '../schemas/audit'
import { auditFacets, listAuditEntries } from '../services/audit.server'
import { auditChanges } from '../utils/audit-diff'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n, useRootData } from '../utils/use-root'
import { FilterActions } from '../components/filter-select'

export async function loader({ request }: LoaderFunctionArgs) {
  const viewer = await requireUserWithPermission(request, 'audit:read')
  const query = parseQuery(request, AuditQuerySchema, viewer)
  const filter = { entityType: query.entity, action: query.action, page: query.page }
  const [{ entries, total, page, pages }, facets] = await Promise.all([
    listAuditEntries(viewer, filter),
    auditFacets(viewer),
  ])
  const fallbackTimeZone = viewer.stores[0]?.timeZone ?? 'Asia/Shanghai'
  return {
    query,
    facets,
    total,
    page,
    pages,
    entries: entries.map((e) => ({
      id: e.id,
      at: e.at.toISOString(),
      timeZone: e.store?.timeZone ?? fallbackTimeZone,
      store: e.store?.name ?? null,
      who: e.who,
      ip: e.ip,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      entityName: e.entityName,
      created: e.before == null && e.after != null,
      changes: auditChanges(e.before, e.after).map((c) => ({
        key: c.key,
        before: c.before ?? null,
        after: c.after ?? null,
      })),
    })),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'audit.title')

const FIELD_LABELS: Record<string, MessageKey> = {
  name: 'users.name',
  email: 'users.email',
  role: 'users.role',
  active: 'users.active',
  storeIds: 'users.stores',
  passwordChanged: 'auditField.passwordChanged',
}

/** A translated label when the dictionary has one, else the code itself. */
function useLabel() {
  const { t } = useI18n()
  return (prefix: string, code: string) => {
    const key = `${prefix}.${code}` as MessageKey
    const text = t(key)
    return text === key ? code : text
  }
}

function Value({ field, value }: { field: string; value: unknown }) {
  const { t } = useI18n()
  const { user } = useRootData()
  const label = useLabel()
  const storeName = (id: string) => user?.stores.find((s) => s.id === id)?.name ?? id.slice(0, 8)
  let text: string
  if (value == null) text = '—'
  else if (typeof value === 'boolean') text = t(value ? 'common.yes' : 'common.no')
  else if (field === 'role' && typeof value === 'string') text = label('role', value)
  else if (field === 'storeIds' && Array.isArray(value))
    text = value.map((id) => storeName(String(id))).join('、') || '—'
  else text = typeof value === 'string' ? value : JSON.stringify(value)
  return <span title={text.length > 80 ? text : undefined}>{text.length > 80 ? `${text.slice(0, 79)}…` : text}</span>
}

function Changes({ entry }: { entry: ReturnType<typeof useLoaderData<typeof loader>>['entries'][number] }) {
  const { t } = useI18n()
  if (!entry.changes.length) return <span className="muted small">{t('audit.noChanges')}</span>
  return (
    <dl className="props small">
      {entry.changes.map((c) => (
        <div key={c.key} style={{ display: 'contents' }}>
          <dt>{FIELD_LABELS[c.key] ? t(FIELD_LABELS[c.key]!) : c.key}</dt>
          <dd>
            {entry.created ? null : (
              <>
                <del className="muted">
                  <Value field={c.key} value={c.before} />
                </del>
                {' → '}
              </>
            )}
            <Value field={c.key} value={c.after} />
          </dd>
        </div>
      ))}
    </dl>
  )
}

export default function AuditLog() {
  const { t, moment } = useI18n()
  const label = useLabel()
  const { entries, facets, query, total, page, pages } = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const filtered = Boolean(query.entity || query.action)
  const pageLink = (n: number) => {
    const next = new URLSearchParams(params)
    next.set('page', String(n))
    return `?${next}`
  }
  return (
    <>
      <div className="page-head">
        <h1>{t('audit.title')}</h1>
        <span className="muted">{t('audit.count', { count: total })}</span>
      </div>
      <p className="muted small">{t('audit.scopeHint')}</p>
      <Form method="get" key={params.toString()} className="card filters">
        <div className="field">
          <label htmlFor="entity">{t('audit.filterEntity')}</label>
          <select id="entity" name="entity" defaultValue={query.entity ?? ''}>
            <option value="">{t('common.all')}</option>
            {facets.entityTypes.map((type) => (
              <option key={type} value={type}>
                {label('auditEntity', type)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="action">{t('audit.filterAction')}</label>
          <select id="action" name="action" defaultValue={query.action ?? ''}>
            <option value="">{t('common.all')}</option>
            {facets.actions.map((action) => (
              <option key={action} value={action}>
                {label('auditAction', action)}
              </option>
            ))}
          </select>
        </div>
        <FilterActions resetTo="/admin/audit" showReset={filtered} />
      </Form>
      {entries.length === 0 ? (
        <div className="card empty">
          <p>{filtered ? t('audit.emptyFiltered') : t('audit.empty')}</p>
          {filtered ? (
            <Link to="/admin/audit" className="btn">
              {t('common.reset')}
            </Link>
          ) : null}
        </div>
      ) : (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('common.when')}</th>
                <th scope="col">{t('common.who')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.entity')}</th>
                <th scope="col">{t('audit.changes')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">
                    <time dateTime={entry.at}>{moment(entry.at, entry.timeZone)}</time>
                    {entry.store ? <div className="muted small">{entry.store}</div> : null}
                  </td>
                  <td>
                    {entry.who ? entry.who.name : t('audit.system')}
                    {entry.who ? <div className="muted small">{entry.who.email}</div> : null}
                    {entry.ip ? (
                      <div className="muted small">
                        {t('audit.ip')} {entry.ip}
                      </div>
                    ) : null}
                  </td>
                  <td className="nowrap">{label('auditAction', entry.action)}</td>
                  <td>
                    {label('auditEntity', entry.entityType)}
                    {entry.entityName || entry.entityId ? (
                      <div className="muted small">{entry.entityName ?? entry.entityId?.slice(0, 8)}</div>
                    ) : null}
                  </td>
                  <td>
                    {entry.created ? <div className="muted small">{t('audit.created')}</div> : null}
                    <Changes entry={entry} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 ? (
        <nav className="pager" aria-label={t('common.page', { page, pages })}>
          {page > 1 ? (
            <Link to={pageLink(page - 1)} className="btn btn-sm" rel="prev">
              {t('common.previous')}
            </Link>
          ) : null}
          <span aria-current="page">{t('common.page', { page, pages })}</span>
          {page < pages ? (
            <Link to={pageLink(page + 1)} className="btn btn-sm" rel="next">
              {t('common.next')}
            </Link>
          ) : null}
        </nav>
      ) : null}
    </>
  )
}
