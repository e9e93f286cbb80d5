import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { CsrfInput } from '../components/csrf-input'
import { ImportFileField, ImportStoreField } from '../components/import-upload-fields'
import { MarketMappingForm } from '../components/market-mapping'
import { SalesImportJobs } from '../components/sales-import-jobs'
import { MARKET_IMPORT_MAX_BYTES } from '../schemas/market'
import { handleMarketImportAction, type FormError, type MarketImportActionData, type MarketPreview } from '../services/market-import-form.server'
import { requireMarketImporter } from '../services/market-import-job.server'
import { listOpenMarketImportJobs } from '../services/market.server'
import { canWriteStore, requireUser } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  requireMarketImporter(user)
  return {
    stores: user.stores.filter((s) => canWriteStore(user, s.id)).map((s) => ({ id: s.id, name: s.name, timeZone: s.timeZone })),
    limit: formatBytes(MARKET_IMPORT_MAX_BYTES),
    open: await listOpenMarketImportJobs(user),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  return handleMarketImportAction(request, user)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'market.import.title')

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

export default function MarketImport() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>() as Serialized<MarketImportActionData> | undefined
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / <Link to="/competitors/market">{t('market.title')}</Link> / {t('market.import.title')}
      </div>
      <h1>{t('market.import.title')}</h1>
      {a?.step === 'preview' ? (
        <MarketMappingForm preview={a.preview as Serialized<MarketPreview>} storeId={a.storeId} error={a.error} stores={d.stores} />
      ) : (
        <>
          <Upload stores={d.stores} limit={d.limit} error={a?.error ?? null} storeId={a?.storeId ?? ''} />
          <SalesImportJobs jobs={d.open} title={t('market.jobs.title')} />
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
        <p>{t('market.import.noStore')}</p>
      </div>
    )
  }
  return (
    <Form method="post" encType="multipart/form-data" className="card form-narrow">
      {/* the CSRF field and the store come first: the server checks both before it reads the file */}
      <CsrfInput />
      <p className="muted">{t('market.import.intro')}</p>
      {props.error ? (
        <div className="alert alert-danger" role="alert">
          {t(props.error.key, props.error.params)}
        </div>
      ) : null}
      <ImportStoreField stores={props.stores} storeId={props.storeId} />
      <ImportFileField
        label={t('market.import.file')}
        hint={t('market.import.fileHint', { limit: props.limit })}
        accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
      />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('market.import.uploading') : t('imports.upload.submit')}
        </button>
      </div>
    </Form>
  )
}
