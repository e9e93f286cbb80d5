import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { ImportUploadForm, ImportUploadPage, SHEET_ACCEPT } from '../components/import-upload-fields'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { SalesMappingForm } from '../components/sales-mapping'
import { SALES_IMPORT_MAX_BYTES } from '../schemas/sales'
import { uploadStores } from '../services/import-form.server'
import { handleSalesImportAction, requireSalesImporter, type SalesImportActionData, type SalesPreview } from '../services/sales-import-form.server'
import { listOpenSalesImportJobs } from '../services/sales.server'
import { requireUser } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import type { Serialized } from '../utils/serialized'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  requireSalesImporter(user)
  return {
    stores: uploadStores(user),
    limit: formatBytes(SALES_IMPORT_MAX_BYTES),
    open: await listOpenSalesImportJobs(user),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  return handleSalesImportAction(request, user)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sales.import.title')

export default function SalesImport() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>() as Serialized<SalesImportActionData> | undefined
  const { t } = useI18n()
  return (
    <ImportUploadPage
      breadcrumb={
        <>
          <Link to="/sales">{t('sales.title')}</Link> / {t('sales.import.title')}
        </>
      }
      title={t('sales.import.title')}
      mapping={a?.step === 'preview' ? <SalesMappingForm preview={a.preview as Serialized<SalesPreview>} storeId={a.storeId} error={a.error} stores={d.stores} /> : null}
    >
      <ImportUploadForm
        stores={d.stores}
        storeId={a?.storeId ?? ''}
        error={a?.error ?? null}
        noStore={t('sales.import.noStore')}
        intro={t('sales.import.intro')}
        fileLabel={t('sales.import.file')}
        fileHint={t('sales.import.fileHint', { limit: d.limit })}
        accept={`${SHEET_ACCEPT},.parquet`}
        uploading={t('sales.import.uploading')}
      />
      <SalesImportJobs jobs={d.open} />
    </ImportUploadPage>
  )
}
