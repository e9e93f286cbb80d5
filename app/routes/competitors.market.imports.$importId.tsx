import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { headerLabel } from '../../analytics/ingest/market-record'
import { formatBytes } from '../../analytics/ingest/sizes'
import { ImportStatusBadge } from '../components/import-status'
import { SalesImportRowsTable } from '../components/sales-import-rows'
import type { MessageKey } from '../i18n'
import { NoticeQuerySchema } from '../schemas/fields'
import { getMarketImport } from '../services/market.server'
import { listSalesImportRows, REJECTED_ROWS_SHOWN } from '../services/sales.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

/** A market-data import's summary: rows imported and rejected, the months it covers, its mapping and its rejected rows. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getMarketImport(user, params.importId ?? '')
  const { notice } = parseQuery(request, NoticeQuerySchema, user)
  return {
    import: found,
    rejected: await listSalesImportRows(found.id, 'failed'),
    canImport: roleCan(user.role, 'sales:import') && canWriteStore(user, found.storeId),
    notice: notice === 'done' || notice === 'again' ? notice : null,
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'market.detail.title')

export default function MarketImportDetail() {
  const { import: i, rejected, canImport, notice } = useLoaderData<typeof loader>()
  const { t, num, moment } = useI18n()
  const c = i.counts
  const skipped = c.skipped.title + c.skipped.blank + c.skipped.total
  const stats: Array<[MessageKey, number]> = [
    ['market.detail.rows', c.rows],
    ['market.detail.imported', c.imported],
    ['market.detail.rejected', c.rejected],
    ['market.detail.figures', c.figures],
    ['market.detail.skipped', skipped],
  ]
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / <Link to="/competitors/market">{t('market.title')}</Link> /{' '}
        <span className="break-all">{i.fileName}</span>
      </div>
      <div className="page-head">
        <h1 className="break-all">{t('market.detail.heading', { file: i.fileName })}</h1>
        <ImportStatusBadge status={i.status} />
        <div className="actions">
          {c.rejected ? (
            <a href={`/competitors/market/imports/${i.id}/rejects.csv`} className="btn" download>
              {t('market.detail.download')}
            </a>
          ) : null}
          {canImport ? (
            <Link to="/competitors/market/import" className="btn btn-primary">
              {t('market.detail.another')}
            </Link>
          ) : null}
        </div>
      </div>
      {notice === 'done' ? (
        <div className="alert alert-success" role="status">
          {t('market.notice.done', { imported: num(c.imported), rejected: num(c.rejected) })}
        </div>
      ) : null}
      {notice === 'again' ? (
        <div className="alert alert-info" role="status">
          {t('market.notice.again')}
        </div>
      ) : null}

      <section aria-labelledby="outcomes" className="card">
        <h2 id="outcomes">{t('imports.detail.outcomes')}</h2>
        <dl className="grid sales-stats">
          {stats.map(([key, n]) => (
            <div key={key} className="stat">
              <dt>{t(key)}</dt>
              <dd>{num(n)}</dd>
            </div>
          ))}
        </dl>
        {skipped ? (
          <p className="small muted">{t('imports.preview.skipped', { title: c.skipped.title, blank: c.skipped.blank, total: c.skipped.total })}</p>
        ) : null}
        <p>
          <strong>{t('market.detail.months')}</strong> {i.months.length ? i.months.join(', ') : '—'}
        </p>
        <p className="small muted">{t('market.detail.supersedeNote')}</p>
      </section>

      <div className="grid grid-2">
        <section className="card" aria-labelledby="facts">
          <h2 id="facts">{t('market.detail.facts')}</h2>
          <dl className="props">
            <dt>{t('market.measure.label')}</dt>
            <dd>{t(`market.measure.${i.measure}`)}</dd>
            <dt>{t('imports.detail.store')}</dt>
            <dd>{i.storeName}</dd>
            <dt>{t('imports.preview.file')}</dt>
            <dd className="break-all">
              {i.fileName} <span className="muted small">({formatBytes(i.byteSize)})</span>
            </dd>
            <dt>{t('imports.detail.encoding')}</dt>
            <dd>{encodingLabel(i.encoding, t)}</dd>
            <dt>{t('imports.detail.by')}</dt>
            <dd>{i.createdBy ?? t('imports.detail.system')}</dd>
            <dt>{t('imports.detail.when')}</dt>
            <dd>{moment(i.createdAt, i.timeZone)}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="mapping">
          <h2 id="mapping">{t('market.detail.mapping')}</h2>
          <p className="small muted">{t(i.layout === 'wide' ? 'market.detail.layoutWide' : 'market.detail.layoutLong')}</p>
          <dl className="props">
            {i.mapping
              .filter((m) => m.field)
              .map((m) => (
                <div key={m.index} style={{ display: 'contents' }}>
                  <dt>{m.month ? t('market.field.unitsOf', { month: m.month }) : t(`market.field.${m.field!}`)}</dt>
                  <dd>{headerLabel(m.header) || t('imports.preview.column', { n: m.index + 1 })}</dd>
                </div>
              ))}
          </dl>
        </section>
      </div>

      <section aria-labelledby="rejected">
        <h2 id="rejected">{t('market.detail.rejectedRows')}</h2>
        {rejected.length ? (
          <>
            {c.rejected > rejected.length || rejected.length >= REJECTED_ROWS_SHOWN ? (
              <p className="muted small">{t('market.detail.moreRows', { shown: rejected.length })}</p>
            ) : null}
            <SalesImportRowsTable rows={rejected} />
          </>
        ) : (
          <p className="muted">{t('market.detail.noRejected')}</p>
        )}
      </section>
    </>
  )
}

function encodingLabel(encoding: string | null, t: (key: MessageKey) => string) {
  if (!encoding) return '—'
  if (encoding === 'xlsx') return t('market.format.xlsx')
  const key = `imports.encoding.${encoding}` as MessageKey
  const text = t(key)
  return text === key ? encoding : text
}
