import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { CsrfInput } from '../components/csrf-input'
import { ImportFileField, ImportStoreField } from '../components/import-upload-fields'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { SalesMappingForm } from '../components/sales-mapping'
import { SALES_IMPORT_MAX_BYTES } from '../schemas/sales'
import { handleSalesImportAction, requireSalesImporter, type FormError, type SalesImportActionData, type SalesPreview } from '../services/sales-import-form.server'
import { listOpenSalesImportJobs } from '../services/sales.server'
import { canWriteStore, requireUser } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  requireSalesImporter(user)
  return {
    stores: user.stores.filter((s) => canWriteStore(user, s.id)).map((s) => ({ id: s.id, name: s.name, timeZone: s.timeZone })),
    limit: formatBytes(SALES_IMPORT_MAX_BYTES),
    open: await listOpenSalesImportJobs(user),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  return handleSalesImportAction(request, user)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sales.import.title')

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

export default function SalesImport() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>() as Serialized<SalesImportActionData> | undefined
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/sales">{t('sales.title')}</Link> / {t('sales.import.title')}
      </div>
      <h1>{t('sales.import.title')}</h1>
      {a?.step === 'preview' ? (
        <SalesMappingForm preview={a.preview as Serialized<SalesPreview>} storeId={a.storeId} error={a.error} stores={d.stores} />
      ) : (
        <>
          <Upload stores={d.stores} limit={d.limit} error={a?.error ?? null} storeId={a?.storeId ?? ''} />
          <SalesImportJobs jobs={d.open} />
        </>
      )}
    </>
  )
}

function Upload(props: { stores: Array<{ id: string; name: string }>; limit: string; error: FormError | null; storeId: string }) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  if (!props.stores.length) {
    return (
      <div className="card empty">
        <p>{t('sales.import.noStore')}</p>
      </div>
    )
  }
  return (
    <Form method="post" encType="multipart/form-data" className="card form-narrow">
      {/* the CSRF field and the store come first: the server checks both before it reads the file */}
      <CsrfInput />
      <p className="muted">{t('sales.import.intro')}</p>
      {props.error ? (
        <div className="alert alert-danger" role="alert">
          {t(props.error.key, props.error.params)}
        </div>
      ) : null}
      <ImportStoreField stores={props.stores} storeId={props.storeId} />
      <ImportFileField
        label={t('sales.import.file')}
        hint={t('sales.import.fileHint', { limit: props.limit })}
        accept=".csv,.txt,.xlsx,.parquet,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
      />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('sales.import.uploading') : t('imports.upload.submit')}
        </button>
      </div>
    </Form>
  )
}
