import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { CsrfInput } from '../components/csrf-input'
import { ImportFileField, ImportStoreField } from '../components/import-upload-fields'
import { ObservationMappingForm } from '../components/observation-mapping'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { handleObservationImportAction, type FormError, type ObservationImportActionData, type ObservationPreview } from '../services/observation-import-form.server'
import { listOpenObservationImportJobs, requireObservationImporter } from '../services/observation-import-job.server'
import { OBSERVATION_IMPORT_MAX_BYTES, OBSERVATION_IMPORT_MAX_ROWS } from '../services/observation-import.server'
import { canWriteStore, requireUser } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

/** Competitor observations in bulk (SPEC §5 through the §4 import path): upload, preview and mapping, then a background job. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  requireObservationImporter(user)
  return {
    stores: user.stores.filter((s) => canWriteStore(user, s.id)).map((s) => ({ id: s.id, name: s.name, timeZone: s.timeZone })),
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

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

export default function ObservationImport() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>() as Serialized<ObservationImportActionData> | undefined
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / {t('competitors.import.title')}
      </div>
      <h1>{t('competitors.import.title')}</h1>
      {a?.step === 'preview' ? (
        <ObservationMappingForm preview={a.preview as Serialized<ObservationPreview>} storeId={a.storeId} error={a.error} stores={d.stores} />
      ) : (
        <>
          <Upload stores={d.stores} limit={d.limit} maxRows={d.maxRows} error={a?.error ?? null} storeId={a?.storeId ?? ''} />
          <SalesImportJobs jobs={d.open} title={t('competitors.import.open')} />
        </>
      )}
    </>
  )
}

function Upload(props: { stores: Array<{ id: string; name: string }>; limit: string; maxRows: number; error: FormError | null; storeId: string }) {
  const { t, num } = useI18n()
  const busy = useNavigation().state === 'submitting'
  if (!props.stores.length) {
    return (
      <div className="card empty">
        <p>{t('competitors.import.noStore')}</p>
      </div>
    )
  }
  return (
    <Form method="post" encType="multipart/form-data" className="card form-narrow">
      {/* the CSRF field and the store come first: the server checks both before it reads the file */}
      <CsrfInput />
      <p className="muted">{t('competitors.import.intro')}</p>
      {props.error ? (
        <div className="alert alert-danger" role="alert">
          {t(props.error.key, props.error.params)}
        </div>
      ) : null}
      <ImportStoreField stores={props.stores} storeId={props.storeId} />
      <ImportFileField
        label={t('competitors.import.file')}
        hint={t('competitors.import.fileHint', { limit: props.limit, rows: num(props.maxRows) })}
        accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
      />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('competitors.import.uploading') : t('imports.upload.submit')}
        </button>
      </div>
    </Form>
  )
}
