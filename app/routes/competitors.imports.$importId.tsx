import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { OBSERVATION_FIELDS, type MoneyUnit, type ObservationField } from '../../analytics/ingest/observation-headers'
import { formatBytes } from '../../analytics/ingest/sizes'
import { ImportStatusBadge } from '../components/import-status'
import { useRowReason } from '../components/sales-import-rows'
import type { MessageKey } from '../i18n'
import { NoticeQuerySchema } from '../schemas/fields'
import { FAILED_ROWS_SHOWN, getObservationImport, listObservationImportProblems } from '../services/observation-import-job.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

/** What an import of competitor observations did: rows imported and refused, each refused row's column and reason, its download. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getObservationImport(user, params.importId ?? '')
  const { notice } = parseQuery(request, NoticeQuerySchema, user)
  return {
    import: found,
    problems: await listObservationImportProblems(found.id, FAILED_ROWS_SHOWN),
    canImport: roleCan(user.role, 'competitor:write') && canWriteStore(user, found.storeId),
    notice: notice === 'done' || notice === 'again' ? notice : null,
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.import.summaryTitle')

export default function ObservationImportSummary() {
  const { import: i, problems, canImport, notice } = useLoaderData<typeof loader>()
  const { t, num, moment } = useI18n()
  const reason = useRowReason()
  const c = i.counts
  const skipped = c.skipped.title + c.skipped.blank + c.skipped.total
  const fieldName = (f: string | null) => (f && (OBSERVATION_FIELDS as readonly string[]).includes(f) ? t(`competitors.import.field.${f as ObservationField}`) : (f ?? ''))
  const stats: Array<[MessageKey, number]> = [
    ['competitors.import.rows', c.rows],
    ['competitors.import.imported', c.imported],
    ['competitors.import.refused', c.failed],
    ['competitors.import.skipped', skipped],
  ]
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / <span className="break-all">{i.fileName}</span>
      </div>
      <div className="page-head">
        <h1 className="break-all">{t('competitors.import.summaryHeading', { file: i.fileName })}</h1>
        <ImportStatusBadge status={i.status} />
        <div className="actions">
          {i.status === 'done' && c.failed ? (
            <a href={`/competitors/imports/${i.id}/rejects.csv`} className="btn" download>
              {t('competitors.import.download')}
            </a>
          ) : null}
          <Link to={`/competitors?store=${i.storeId}`} className="btn">
            {t('competitors.import.seeObservations')}
          </Link>
          {canImport ? (
            <Link to="/competitors/import" className="btn btn-primary">
              {t('competitors.import.another')}
            </Link>
          ) : null}
        </div>
      </div>
      {notice === 'done' ? (
        <div className="alert alert-success" role="status">
          {t('competitors.import.notice.done', { imported: num(c.imported), failed: num(c.failed) })}
        </div>
      ) : null}
      {notice === 'again' ? (
        <div className="alert alert-info" role="status">
          {t('competitors.import.notice.again')}
        </div>
      ) : null}
      {i.status === 'failed' ? (
        <div className="alert alert-danger" role="alert">
          {i.error?.startsWith('imports.error.') ? t(i.error as MessageKey) : t('imports.detail.error', { detail: i.error ?? '' })}
        </div>
      ) : null}
      {i.status === 'pending' ? <div className="alert alert-info">{t('competitors.import.pending')}</div> : null}

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
        {skipped ? <p className="small muted">{t('imports.preview.skipped', { title: c.skipped.title, blank: c.skipped.blank, total: c.skipped.total })}</p> : null}
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
            <dd>{i.encoding ? t(`imports.encoding.${i.encoding}` as MessageKey) : '—'}</dd>
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
            {i.mapping
              .filter((m) => m.field)
              .map((m) => (
                <div key={m.index} style={{ display: 'contents' }}>
                  <dt>{fieldName(m.field)}</dt>
                  <dd>
                    {m.header || t('imports.preview.column', { n: m.index + 1 })}
                    {m.unit && m.unit !== 'yuan' ? <span className="muted small"> ({t(`competitors.import.unit.${m.unit as MoneyUnit}`)})</span> : null}
                  </dd>
                </div>
              ))}
          </dl>
        </section>
      </div>

      <section aria-labelledby="refused">
        <h2 id="refused">{t('competitors.import.refusedRows')}</h2>
        {problems.length ? (
          <>
            {problems.length >= FAILED_ROWS_SHOWN ? <p className="muted small">{t('competitors.import.moreRows', { shown: num(problems.length) })}</p> : null}
            <div className="table-wrap" tabIndex={0}>
              <table className="sales-rows">
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
                  {problems.map((r, n) => (
                    <tr key={`${r.rowNumber}-${n}`}>
                      <td className="num">{r.rowNumber}</td>
                      <td>{fieldName(r.column) || '—'}</td>
                      <td>{reason(r.reason)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <p className="muted">{t('competitors.import.noRefused')}</p>
        )}
      </section>
    </>
  )
}
