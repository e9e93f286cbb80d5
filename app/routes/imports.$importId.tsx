import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import type { TableEncoding } from '../../analytics/ingest/read-table'
import { formatBytes } from '../../analytics/ingest/sizes'
import { CsrfInput } from '../components/csrf-input'
import { ImportStatusBadge } from '../components/import-status'
import type { MessageKey } from '../i18n'
import { NoticeQuerySchema } from '../schemas/fields'
import { LEAD_FIELDS, type LeadPlatform } from '../schemas/lead-import'
import { handleRetryAction } from '../services/lead-import-form.server'
import { FAILED_ROWS_SHOWN, getImport, listImportRows } from '../services/lead-import.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { splitMessage } from '../utils/form'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  const found = await getImport(user, params.importId ?? '')
  // a sales import has its own page (counts, rejected rows, superseded sales), and so has a market-data import
  if (found.kind === 'sales') throw redirect(`/sales/imports/${found.id}`)
  if (found.kind === 'market') throw redirect(`/competitors/market/imports/${found.id}`)
  if (found.kind === 'observations') throw redirect(`/competitors/imports/${found.id}`)
  const failed = await listImportRows(user, found.id, { outcome: 'failed', limit: FAILED_ROWS_SHOWN })
  const { notice } = parseQuery(request, NoticeQuerySchema, user)
  // a failed import (an interrupted one included) runs again from its kept file, unless that file was imported since
  const canRetry = found.status === 'failed' && !found.laterImportId && canWriteStore(user, found.storeId)
  return { import: found, failed, canRetry, notice: notice === 'done' || notice === 'again' ? notice : null }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  return handleRetryAction(request, user, params.importId ?? '')
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'imports.title')

const OUTCOMES = ['imported', 'merged', 'duplicate', 'skipped', 'failed'] as const

export default function ImportSummary() {
  const { import: i, failed, canRetry, notice } = useLoaderData<typeof loader>()
  const retried = useActionData<typeof action>()
  const busy = useNavigation().state === 'submitting'
  const { t, num, moment } = useI18n()
  const reason = (message: string | null) => {
    if (!message) return ''
    const [key, params] = splitMessage(message)
    return t(key as MessageKey, params)
  }
  const mapping = LEAD_FIELDS.flatMap((field) => (i.mapping?.[field] ? [[field, i.mapping[field]] as const] : []))
  return (
    <>
      <div className="breadcrumb">
        <Link to="/imports">{t('imports.title')}</Link> / {i.fileName}
      </div>
      <div className="page-head">
        <h1>{t('imports.detail.title', { file: i.fileName })}</h1>
        <ImportStatusBadge status={i.status} />
        <div className="actions">
          {canRetry ? (
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="retry" />
              <button type="submit" className="btn btn-primary" disabled={busy} aria-describedby="retry-hint">
                {t('imports.detail.retry')}
              </button>
            </Form>
          ) : null}
          {i.status === 'done' ? (
            <a href={`/imports/${i.id}/report`} className="btn" download>
              {t('imports.detail.download')}
            </a>
          ) : null}
          <Link to="/imports/new" className="btn btn-primary">
            {t('imports.detail.another')}
          </Link>
        </div>
      </div>
      {notice === 'done' ? (
        <div className="alert alert-success" role="status">
          {t('imports.notice.done', { imported: i.counts.imported, merged: i.counts.merged, failed: i.counts.failed })}
        </div>
      ) : null}
      {notice === 'again' ? (
        <div className="alert alert-info" role="status">
          {t('imports.notice.again')}
        </div>
      ) : null}
      {retried?.error ? (
        <div className="alert alert-danger" role="alert">
          {t(retried.error.key, retried.error.params)}
        </div>
      ) : null}
      {i.status === 'failed' ? (
        <div className="alert alert-danger" role="alert">
          {/* an interrupted import's reason is a message key; a failed one's the database's words */}
          {i.error?.startsWith('imports.error.') ? t(i.error as MessageKey) : t('imports.detail.error', { detail: i.error ?? '' })}
          {canRetry ? (
            <span id="retry-hint" className="small">
              {' '}
              {t('imports.detail.retryHint')}
            </span>
          ) : null}
        </div>
      ) : null}
      {i.laterImportId ? (
        <div className="alert alert-info" role="status">
          {t('imports.detail.later')} <Link to={`/imports/${i.laterImportId}`}>{t('imports.detail.laterLink')}</Link>
        </div>
      ) : null}
      {i.status === 'pending' ? <div className="alert alert-info">{t('imports.detail.pendingHint')}</div> : null}

      <section aria-labelledby="outcomes" className="card">
        <h2 id="outcomes">{t('imports.detail.outcomes')}</h2>
        <dl className="grid grid-4" style={{ gridTemplateColumns: 'repeat(auto-fill, minmax(140px, 1fr))' }}>
          {OUTCOMES.map((o) => (
            <div key={o} className="stat">
              <dt>{t(`imports.outcome.${o}`)}</dt>
              <dd>{num(i.counts[o])}</dd>
            </div>
          ))}
        </dl>
      </section>

      <div className="grid grid-2">
        <section className="card" aria-labelledby="facts">
          <h2 id="facts" className="visually-hidden">
            {t('imports.detail.title', { file: i.fileName })}
          </h2>
          <dl className="props">
            <dt>{t('imports.detail.store')}</dt>
            <dd>{i.storeName}</dd>
            <dt>{t('imports.detail.platform')}</dt>
            <dd>{i.platform ? t(`imports.platform.${i.platform as LeadPlatform}`) : t('imports.platform.unknown')}</dd>
            <dt>{t('imports.detail.encoding')}</dt>
            <dd>{i.encoding ? t(`imports.encoding.${i.encoding as TableEncoding | 'xlsx'}`) : '—'}</dd>
            <dt>{t('imports.detail.size')}</dt>
            <dd>{formatBytes(i.byteSize)}</dd>
            <dt>{t('imports.detail.by')}</dt>
            <dd>{i.createdBy ?? t('imports.detail.system')}</dd>
            <dt>{t('imports.detail.when')}</dt>
            <dd>{moment(i.createdAt, i.timeZone)}</dd>
            <dt>{t('imports.detail.finished')}</dt>
            <dd>{moment(i.finishedAt, i.timeZone)}</dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="mapping">
          <h2 id="mapping">{t('imports.detail.mapping')}</h2>
          <dl className="props">
            {mapping.map(([field, header]) => (
              <div key={field} style={{ display: 'contents' }}>
                <dt>{t(`imports.field.${field}`)}</dt>
                <dd>{header}</dd>
              </div>
            ))}
          </dl>
        </section>
      </div>

      <section aria-labelledby="failed">
        <h2 id="failed">{t('imports.detail.failedRows')}</h2>
        {failed.length ? (
          <>
            {i.counts.failed > failed.length ? (
              <p className="muted small">{t('imports.detail.moreFailed', { shown: failed.length, total: i.counts.failed })}</p>
            ) : null}
            <div className="table-wrap" tabIndex={0}>
              <table>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      {t('imports.report.row')}
                    </th>
                    <th scope="col">{t('imports.report.column')}</th>
                    <th scope="col">{t('imports.report.reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  {failed.map((r) => (
                    <tr key={r.rowNumber}>
                      <td className="num">{r.rowNumber}</td>
                      <td>{r.column}</td>
                      <td>{reason(r.reason)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <p className="muted">{t('imports.detail.noFailed')}</p>
        )}
      </section>
    </>
  )
}
