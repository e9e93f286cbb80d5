import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { ImportStatusBadge } from '../components/import-status'
import { encodingLabel, ImportFactsCard, ImportMappingCard, ImportNotice, ImportOutcomes, ImportRowsSection, skippedRows } from '../components/import-summary'
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
  const { t, num } = useI18n()
  const c = i.counts
  const stats: Array<[MessageKey, number]> = [
    ['sales.detail.rows', c.rows],
    ['sales.detail.imported', c.imported],
    ['sales.detail.rejected', c.rejected],
    ['sales.detail.warnings', c.warnings],
    ['sales.detail.skipped', skippedRows(c.skipped)],
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
      <ImportNotice notice={notice} done={t('sales.notice.done', { imported: num(c.imported), rejected: num(c.rejected) })} again={t('sales.notice.again')} />
      {c.superseded ? (
        <div className="alert alert-info" role="status">
          {t('sales.detail.supersededNote', { count: num(c.superseded) })}
        </div>
      ) : null}

      <ImportOutcomes stats={stats} skipped={c.skipped} />

      <div className="grid grid-2">
        <ImportFactsCard title={t('sales.detail.facts')} facts={i} encoding={encodingLabel(i.encoding, t, { parquet: 'sales.format.parquet' })} />
        <ImportMappingCard
          title={t('sales.detail.mapping')}
          mapping={i.mapping}
          field={(m) => t(`sales.field.${m.field!}`)}
          column={(m) => (
            <>
              {m.header || t('imports.preview.column', { n: m.index + 1 })}
              {m.scale === 10_000 ? <span className="muted small"> ({t('sales.unit.wan')})</span> : null}
            </>
          )}
        />
      </div>

      <ImportRowsSection
        id="rejected"
        title={t('sales.detail.rejectedRows')}
        more={c.rejected > rejected.length ? t('sales.detail.moreRows', { shown: rejected.length, total: c.rejected }) : null}
        empty={t('sales.detail.noRejected')}
        rows={rejected}
      />
      {warnings.length ? (
        <ImportRowsSection
          id="warnings"
          title={t('sales.detail.warningRows')}
          hint={t('sales.detail.warningHint')}
          more={warnings.length >= REJECTED_ROWS_SHOWN ? t('sales.detail.moreWarnings', { shown: warnings.length }) : null}
          rows={warnings}
        />
      ) : null}
    </>
  )
}
