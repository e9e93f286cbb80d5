import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { ImportUploadForm, ImportUploadPage, SHEET_ACCEPT } from '../components/import-upload-fields'
import { ObservationMappingForm } from '../components/observation-mapping'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { uploadStores } from '../services/import-form.server'
import { handleObservationImportAction, type ObservationImportActionData, type ObservationPreview } from '../services/observation-import-form.server'
import { listOpenObservationImportJobs, requireObservationImporter } from '../services/observation-import-job.server'
import { OBSERVATION_IMPORT_MAX_BYTES, OBSERVATION_IMPORT_MAX_ROWS } from '../services/observation-import.server'
import { requireUser } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import type { Serialized } from '../utils/serialized'
import { useI18n } from '../utils/use-root'

/** Competitor observations in bulk (SPEC §5 through the §4 import path): upload, preview and mapping, then a background job. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  requireObservationImporter(user)
  return {
    stores: uploadStores(user),
    limit: formatBytes(OBSERVATION_IMPORT_MAX_BYTES),
    maxRows: OBSERVATION_IMPORT_MAX_ROWS,
    open: await listOpenObservationImportJobs(user),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  return handleObservationImportAction(request, user)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.import.title')

export default function ObservationImport() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>() as Serialized<ObservationImportActionData> | undefined
  const { t, num } = useI18n()
  return (
    <ImportUploadPage
      breadcrumb={
        <>
          <Link to="/competitors">{t('competitors.title')}</Link> / {t('competitors.import.title')}
        </>
      }
      title={t('competitors.import.title')}
      mapping={a?.step === 'preview' ? <ObservationMappingForm preview={a.preview as Serialized<ObservationPreview>} storeId={a.storeId} error={a.error} stores={d.stores} /> : null}
    >
      <ImportUploadForm
        stores={d.stores}
        storeId={a?.storeId ?? ''}
        error={a?.error ?? null}
        noStore={t('competitors.import.noStore')}
        intro={t('competitors.import.intro')}
        fileLabel={t('competitors.import.file')}
        fileHint={t('competitors.import.fileHint', { limit: d.limit, rows: num(d.maxRows) })}
        accept={SHEET_ACCEPT}
        uploading={t('competitors.import.uploading')}
      />
      <SalesImportJobs jobs={d.open} title={t('competitors.import.open')} />
    </ImportUploadPage>
  )
}
