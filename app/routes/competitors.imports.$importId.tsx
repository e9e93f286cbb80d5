import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { OBSERVATION_FIELDS, type MoneyUnit, type ObservationField } from '../../analytics/ingest/observation-headers'
import { ImportStatusBadge } from '../components/import-status'
import { ImportFactsCard, ImportMappingCard, ImportNotice, ImportOutcomes, ImportRowsSection, skippedRows } from '../components/import-summary'
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
  const { t, num } = useI18n()
  const c = i.counts
  const fieldName = (f: string | null) => (f && (OBSERVATION_FIELDS as readonly string[]).includes(f) ? t(`competitors.import.field.${f as ObservationField}`) : (f ?? ''))
  const stats: Array<[MessageKey, number]> = [
    ['competitors.import.rows', c.rows],
    ['competitors.import.imported', c.imported],
    ['competitors.import.refused', c.failed],
    ['competitors.import.skipped', skippedRows(c.skipped)],
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
      <ImportNotice
        notice={notice}
        done={t('competitors.import.notice.done', { imported: num(c.imported), failed: num(c.failed) })}
        again={t('competitors.import.notice.again')}
      />
      {i.status === 'failed' ? (
        <div className="alert alert-danger" role="alert">
          {i.error?.startsWith('imports.error.') ? t(i.error as MessageKey) : t('imports.detail.error', { detail: i.error ?? '' })}
        </div>
      ) : null}
      {i.status === 'pending' ? <div className="alert alert-info">{t('competitors.import.pending')}</div> : null}

      <ImportOutcomes stats={stats} skipped={c.skipped} />

      <div className="grid grid-2">
        <ImportFactsCard title={t('sales.detail.facts')} facts={i} encoding={i.encoding ? t(`imports.encoding.${i.encoding}` as MessageKey) : '—'} />
        <ImportMappingCard
          title={t('imports.detail.mapping')}
          mapping={i.mapping}
          field={(m) => fieldName(m.field)}
          column={(m) => (
            <>
              {m.header || t('imports.preview.column', { n: m.index + 1 })}
              {m.unit && m.unit !== 'yuan' ? <span className="muted small"> ({t(`competitors.import.unit.${m.unit as MoneyUnit}`)})</span> : null}
            </>
          )}
        />
      </div>

      <ImportRowsSection
        id="refused"
        title={t('competitors.import.refusedRows')}
        more={problems.length >= FAILED_ROWS_SHOWN ? t('competitors.import.moreRows', { shown: num(problems.length) }) : null}
        empty={t('competitors.import.noRefused')}
        rows={problems}
        column={(column) => fieldName(column) || '—'}
      />
    </>
  )
}
