import { Form, useNavigation } from '@remix-run/react'
import type { ReactNode } from 'react'
import type { MessageKey } from '../i18n'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'

/**
 * The fields every import's upload step shares (lead-platform exports, DMS sales exports,
 * market data, competitor observations): the store the file is for, and the file with what it
 * may be. The store comes before the file in the form so that the server can check it before
 * it reads the upload.
 */
export function ImportStoreField(props: { stores: Array<{ id: string; name: string }>; storeId: string }) {
  const { t } = useI18n()
  const only = props.stores.length === 1 ? props.stores[0]!.id : ''
  return (
    <div className="field">
      <label htmlFor="storeId">{t('imports.upload.store')}</label>
      <select id="storeId" name="storeId" required defaultValue={props.storeId || only}>
        {only ? null : <option value="">—</option>}
        {props.stores.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </div>
  )
}

export function ImportFileField(props: { label: string; hint: string; accept: string }) {
  return (
    <div className="field">
      <label htmlFor="file">{props.label}</label>
      <input id="file" name="file" type="file" required accept={props.accept} aria-describedby="file-hint" />
      <span id="file-hint" className="hint">
        {props.hint}
      </span>
    </div>
  )
}

/** The files a sheet import takes: CSV (or text) and Excel. */
export const SHEET_ACCEPT = '.csv,.txt,.xlsx,.xls,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.ms-excel'

/**
 * The upload step of the sales, market-data and competitor-observation imports: the form's
 * error, the store, the file and the button — or, for a user with no store to import into,
 * only the kind's note saying so. Each kind passes its own words; the form posts multipart
 * to its own route, whose action answers with the preview.
 */
export function ImportUploadForm(props: {
  stores: Array<{ id: string; name: string }>
  storeId: string
  error: { key: MessageKey; params: Record<string, string | number> } | null
  noStore: string
  intro: string
  fileLabel: string
  fileHint: string
  accept: string
  uploading: string
}) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  if (!props.stores.length) {
    return (
      <div className="card empty">
        <p>{props.noStore}</p>
      </div>
    )
  }
  return (
    <Form method="post" encType="multipart/form-data" className="card form-narrow">
      {/* the CSRF field and the store come first: the server checks both before it reads the file */}
      <CsrfInput />
      <p className="muted">{props.intro}</p>
      {props.error ? (
        <div className="alert alert-danger" role="alert">
          {t(props.error.key, props.error.params)}
        </div>
      ) : null}
      <ImportStoreField stores={props.stores} storeId={props.storeId} />
      <ImportFileField label={props.fileLabel} hint={props.fileHint} accept={props.accept} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? props.uploading : t('imports.upload.submit')}
        </button>
      </div>
    </Form>
  )
}

/**
 * An import page's body: the breadcrumb and the title, then the mapping to confirm once a file
 * is uploaded (`mapping`), else the upload step (`children`: the form and the open jobs).
 */
export function ImportUploadPage(props: { breadcrumb: ReactNode; title: string; mapping: ReactNode; children: ReactNode }) {
  return (
    <>
      <div className="breadcrumb">{props.breadcrumb}</div>
      <h1>{props.title}</h1>
      {props.mapping ? props.mapping : <>{props.children}</>}
    </>
  )
}
