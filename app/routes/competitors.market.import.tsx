import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { ImportUploadForm, ImportUploadPage, SHEET_ACCEPT } from '../components/import-upload-fields'
import { MarketMappingForm } from '../components/market-mapping'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { MARKET_IMPORT_MAX_BYTES } from '../schemas/market'
import { uploadStores } from '../services/import-form.server'
import { handleMarketImportAction, type MarketImportActionData, type MarketPreview } from '../services/market-import-form.server'
import { requireMarketImporter } from '../services/market-import-job.server'
import { listOpenMarketImportJobs } from '../services/market.server'
import { requireUser } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import type { Serialized } from '../utils/serialized'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  requireMarketImporter(user)
  return {
    stores: uploadStores(user),
    limit: formatBytes(MARKET_IMPORT_MAX_BYTES),
    open: await listOpenMarketImportJobs(user),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  return handleMarketImportAction(request, user)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'market.import.title')

export default function MarketImport() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>() as Serialized<MarketImportActionData> | undefined
  const { t } = useI18n()
  return (
    <ImportUploadPage
      breadcrumb={
        <>
          <Link to="/competitors">{t('competitors.title')}</Link> / <Link to="/competitors/market">{t('market.title')}</Link> / {t('market.import.title')}
        </>
      }
      title={t('market.import.title')}
      mapping={a?.step === 'preview' ? <MarketMappingForm preview={a.preview as Serialized<MarketPreview>} storeId={a.storeId} error={a.error} stores={d.stores} /> : null}
    >
      <ImportUploadForm
        stores={d.stores}
        storeId={a?.storeId ?? ''}
        error={a?.error ?? null}
        noStore={t('market.import.noStore')}
        intro={t('market.import.intro')}
        fileLabel={t('market.import.file')}
        fileHint={t('market.import.fileHint', { limit: d.limit })}
        accept={SHEET_ACCEPT}
        uploading={t('market.import.uploading')}
      />
      <SalesImportJobs jobs={d.open} title={t('market.jobs.title')} />
    </ImportUploadPage>
  )
}
