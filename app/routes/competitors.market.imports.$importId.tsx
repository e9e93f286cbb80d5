import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { headerLabel } from '../../analytics/ingest/market-record'
import { ImportStatusBadge } from '../components/import-status'
import { encodingLabel, ImportFactsCard, ImportMappingCard, ImportNotice, ImportOutcomes, ImportRowsSection, skippedRows } from '../components/import-summary'
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
  const { t, num } = useI18n()
  const c = i.counts
  const stats: Array<[MessageKey, number]> = [
    ['market.detail.rows', c.rows],
    ['market.detail.imported', c.imported],
    ['market.detail.rejected', c.rejected],
    ['market.detail.figures', c.figures],
    ['market.detail.skipped', skippedRows(c.skipped)],
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
      <ImportNotice notice={notice} done={t('market.notice.done', { imported: num(c.imported), rejected: num(c.rejected) })} again={t('market.notice.again')} />

      <ImportOutcomes stats={stats} skipped={c.skipped}>
        <p>
          <strong>{t('market.detail.months')}</strong> {i.months.length ? i.months.join(', ') : '—'}
        </p>
        <p className="small muted">{t('market.detail.supersedeNote')}</p>
      </ImportOutcomes>

      <div className="grid grid-2">
        <ImportFactsCard title={t('market.detail.facts')} facts={i} encoding={encodingLabel(i.encoding, t, { xlsx: 'market.format.xlsx' })} finished={false}>
          <dt>{t('market.measure.label')}</dt>
          <dd>{t(`market.measure.${i.measure}`)}</dd>
        </ImportFactsCard>
        <ImportMappingCard
          title={t('market.detail.mapping')}
          note={<p className="small muted">{t(i.layout === 'wide' ? 'market.detail.layoutWide' : 'market.detail.layoutLong')}</p>}
          mapping={i.mapping}
          field={(m) => (m.month ? t('market.field.unitsOf', { month: m.month }) : t(`market.field.${m.field!}`))}
          column={(m) => headerLabel(m.header) || t('imports.preview.column', { n: m.index + 1 })}
        />
      </div>

      <ImportRowsSection
        id="rejected"
        title={t('market.detail.rejectedRows')}
        more={c.rejected > rejected.length || rejected.length >= REJECTED_ROWS_SHOWN ? t('market.detail.moreRows', { shown: rejected.length }) : null}
        empty={t('market.detail.noRejected')}
        rows={rejected}
      />
    </>
  )
}
