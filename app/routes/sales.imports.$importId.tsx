import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { ImportStatusBadge } from '../components/import-status'
import { SalesImportRowsTable } from '../components/sales-import-rows'
import type { MessageKey } from '../i18n'
import { NoticeQuerySchema } from '../schemas/fields'
import { getSalesImport, listSalesImportRows, REJECTED_ROWS_SHOWN } from '../services/sales.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'sales:read')
  const found = await getSalesImport(user, params.importId ?? '')
  const { notice } = parseQuery(request, NoticeQuerySchema, user)
  const [rejected, warnings] = await Promise.all([listSalesImportRows(found.id, 'failed'), listSalesImportRows(found.id, 'warning')])
  return {
    import: found,
    rejected,
    warnings,
    canImport: roleCan(user.role, 'sales:import') && canWriteStore(user, found.storeId),
    notice: notice === 'done' || notice === 'again' ? notice : null,
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sales.detail.title')

export default function SalesImportDetail() {
  const { import: i, rejected, warnings, canImport, notice } = useLoaderData<typeof loader>()
  const { t, num, moment } = useI18n()
  const c = i.counts
  const skipped = c.skipped.title + c.skipped.blank + c.skipped.total
  const stats: Array<[MessageKey, number]> = [
    ['sales.detail.rows', c.rows],
    ['sales.detail.imported', c.imported],
    ['sales.detail.rejected', c.rejected],
    ['sales.detail.warnings', c.warnings],
    ['sales.detail.skipped', skipped],
    ['sales.detail.superseded', c.superseded],
  ]
  return (
    <>
      <div className="breadcrumb">
        <Link to="/sales">{t('sales.title')}</Link> /{' '}
        {canImport ? (
          <>
            <Link to="/imports?kind=sales">{t('imports.title')}</Link> /{' '}
          </>
        ) : null}
        <span className="break-all">{i.fileName}</span>
      </div>
      <div className="page-head">
        <h1 className="break-all">{t('sales.detail.heading', { file: i.fileName })}</h1>
        <ImportStatusBadge status={i.status} />
        <div className="actions">
          {i.status === 'done' && (c.rejected || c.warnings) ? (
            <a href={`/sales/imports/${i.id}/rejects.csv`} className="btn" download>
              {t('sales.detail.download')}
            </a>
          ) : null}
          <Link to={`/sales?store=${i.storeId}`} className="btn">
            {t('sales.detail.seeSales')}
          </Link>
          {canImport ? (
            <Link to="/sales/import" className="btn btn-primary">
              {t('sales.detail.another')}
            </Link>
          ) : null}
        </div>
      </div>
      {notice === 'done' ? (
        <div className="alert alert-success" role="status">
          {t('sales.notice.done', { imported: num(c.imported), rejected: num(c.rejected) })}
        </div>
      ) : null}
      {notice === 'again' ? (
        <div className="alert alert-info" role="status">
          {t('sales.notice.again')}
        </div>
      ) : null}
      {c.superseded ? (
        <div className="alert alert-info" role="status">
          {t('sales.detail.supersededNote', { count: num(c.superseded) })}
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
      </section>

      <div className="grid grid-2">
        <section className="card" aria-labelledby="facts">
          <h2 id="facts">{t('sales.detail.facts')}</h2>
          <dl className="props">
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
            <dt>{t('imports.detail.finished')}</dt>
            <dd>{moment(i.finishedAt, i.timeZone)}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="mapping">
          <h2 id="mapping">{t('sales.detail.mapping')}</h2>
          <dl className="props">
            {i.mapping
              .filter((m) => m.field)
              .map((m) => (
                <div key={m.index} style={{ display: 'contents' }}>
                  <dt>{t(`sales.field.${m.field!}`)}</dt>
                  <dd>
                    {m.header || t('imports.preview.column', { n: m.index + 1 })}
                    {m.scale === 10_000 ? <span className="muted small"> ({t('sales.unit.wan')})</span> : null}
                  </dd>
                </div>
              ))}
          </dl>
        </section>
      </div>

      <section aria-labelledby="rejected">
        <h2 id="rejected">{t('sales.detail.rejectedRows')}</h2>
        {rejected.length ? (
          <>
            {c.rejected > rejected.length ? <p className="muted small">{t('sales.detail.moreRows', { shown: rejected.length, total: c.rejected })}</p> : null}
            <SalesImportRowsTable rows={rejected} />
          </>
        ) : (
          <p className="muted">{t('sales.detail.noRejected')}</p>
        )}
      </section>
      {warnings.length ? (
        <section aria-labelledby="warnings">
          <h2 id="warnings">{t('sales.detail.warningRows')}</h2>
          <p className="muted small">{t('sales.detail.warningHint')}</p>
          {warnings.length >= REJECTED_ROWS_SHOWN ? <p className="muted small">{t('sales.detail.moreWarnings', { shown: warnings.length })}</p> : null}
          <SalesImportRowsTable rows={warnings} />
        </section>
      ) : null}
    </>
  )
}

function encodingLabel(encoding: string | null, t: (key: MessageKey) => string) {
  if (!encoding) return '—'
  if (encoding === 'parquet') return t('sales.format.parquet')
  const key = `imports.encoding.${encoding}` as MessageKey
  const text = t(key)
  return text === key ? encoding : text
}
