import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { formatBytes } from '../../analytics/ingest/sizes'
import { CsrfInput } from '../components/csrf-input'
import { ImportFileField, ImportStoreField, SHEET_ACCEPT } from '../components/import-upload-fields'
import type { MessageKey } from '../i18n'
import { handleImportAction, type FormError, type ImportActionData } from '../services/lead-import-form.server'
import { LEAD_FIELDS, LEAD_IMPORT_MAX_BYTES, PLATFORM_CHOICES, type LeadField } from '../schemas/lead-import'
import type { LeadPreview } from '../services/lead-import.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  return {
    stores: user.stores.filter((s) => canWriteStore(user, s.id)).map((s) => ({ id: s.id, name: s.name, timeZone: s.timeZone })),
    limit: formatBytes(LEAD_IMPORT_MAX_BYTES),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  return handleImportAction(request, user)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'imports.newTitle')

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

function ErrorAlert({ error }: { error: FormError | null }) {
  const { t } = useI18n()
  if (!error) return null
  const params = { ...error.params }
  if (typeof params.field === 'string' && (LEAD_FIELDS as readonly string[]).includes(params.field)) {
    params.field = t(`imports.field.${params.field as LeadField}`)
  }
  return (
    <div className="alert alert-danger" role="alert">
      {t(error.key, params)}
    </div>
  )
}

export default function NewImport() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>() as ImportActionData | undefined
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/imports">{t('imports.title')}</Link> / {t('imports.new')}
      </div>
      <h1>{t('imports.newTitle')}</h1>
      {a?.step === 'preview' ? (
        <Preview preview={a.preview as unknown as Serialized<LeadPreview>} storeId={a.storeId} platform={a.platform} error={a.error} stores={d.stores} />
      ) : (
        <Upload stores={d.stores} limit={d.limit} error={a?.error ?? null} storeId={a?.storeId ?? ''} platform={a?.platform ?? 'auto'} />
      )}
    </>
  )
}

function Upload(props: { stores: Array<{ id: string; name: string }>; limit: string; error: FormError | null; storeId: string; platform: string }) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  return (
    <Form method="post" encType="multipart/form-data" className="card" style={{ maxWidth: 640 }}>
      {/* the CSRF field comes first: the server checks it before it reads the file */}
      <CsrfInput />
      <p className="muted">{t('imports.upload.intro')}</p>
      <ErrorAlert error={props.error} />
      <ImportStoreField stores={props.stores} storeId={props.storeId} />
      <div className="field">
        <label htmlFor="platform">{t('imports.upload.platform')}</label>
        <select id="platform" name="platform" defaultValue={props.platform} aria-describedby="platform-hint">
          {PLATFORM_CHOICES.map((p) => (
            <option key={p} value={p}>
              {t(`imports.platform.${p}`)}
            </option>
          ))}
        </select>
        <span id="platform-hint" className="hint">
          {t('imports.upload.platformHint')}
        </span>
      </div>
      <ImportFileField
        label={t('imports.upload.file')}
        hint={t('imports.upload.fileHint', { limit: props.limit })}
        accept={SHEET_ACCEPT}
      />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('imports.upload.submit')}
        </button>
      </div>
    </Form>
  )
}

const DELIMITERS: Record<string, MessageKey> = {
  ',': 'imports.delimiter.comma',
  '\t': 'imports.delimiter.tab',
  ';': 'imports.delimiter.semicolon',
  '|': 'imports.delimiter.pipe',
}

function Preview(props: {
  preview: Serialized<LeadPreview>
  storeId: string
  platform: string
  error: FormError | null
  stores: Array<{ id: string; name: string; timeZone: string }>
}) {
  const { t, num, moment } = useI18n()
  const p = props.preview
  const busy = useNavigation().state === 'submitting'
  const store = props.stores.find((s) => s.id === props.storeId)
  const columnName = (header: string, i: number) => header || t('imports.preview.column', { n: i + 1 })
  return (
    <Form method="post" className="card">
      <CsrfInput />
      <h2>{t('imports.preview.title')}</h2>
      <ErrorAlert error={props.error} />
      {p.earlier ? (
        <div className="alert alert-warning" role="status">
          {t('imports.preview.earlier', { when: moment(p.earlier.createdAt, store?.timeZone) })}
        </div>
      ) : null}
      {!p.headerRecognised ? (
        <div className="alert alert-warning" role="status">
          {t('imports.preview.headerGuessed')}
        </div>
      ) : null}
      <input type="hidden" name="intent" value="confirm" />
      <input type="hidden" name="storeId" value={props.storeId} />
      <input type="hidden" name="uploadId" value={p.uploadId} />
      <dl className="props" style={{ marginBottom: 16 }}>
        <dt>{t('imports.preview.file')}</dt>
        <dd>
          {p.fileName} <span className="muted small">({formatBytes(p.byteSize)})</span>
        </dd>
        <dt>{t('imports.upload.store')}</dt>
        <dd>{store?.name ?? '—'}</dd>
        <dt>{t('imports.preview.format')}</dt>
        <dd>{t(`imports.format.${p.format ?? p.ext}` as MessageKey)}</dd>
        <dt>{t('imports.preview.encoding')}</dt>
        <dd>{t(`imports.encoding.${p.encoding ?? (p.format === 'xls' ? 'xls' : 'xlsx')}` as MessageKey)}</dd>
        {p.delimiter ? (
          <>
            <dt>{t('imports.preview.delimiter')}</dt>
            <dd>{DELIMITERS[p.delimiter] ? t(DELIMITERS[p.delimiter]!) : p.delimiter}</dd>
          </>
        ) : null}
        {p.sheetName ? (
          <>
            <dt>{t('imports.preview.sheet')}</dt>
            <dd>{p.sheetName}</dd>
          </>
        ) : null}
        <dt>{t('imports.preview.headerRow')}</dt>
        <dd>{num(p.headerRowNumber)}</dd>
        <dt>{t('imports.preview.rows')}</dt>
        <dd>
          {num(p.dataRows)}{' '}
          <span className="muted small">{t('imports.preview.skipped', { title: p.skipped.title, blank: p.skipped.blank, total: p.skipped.total })}</span>
        </dd>
      </dl>
      <div className="field" style={{ maxWidth: 360 }}>
        <label htmlFor="platform">{t('imports.upload.platform')}</label>
        <select id="platform" name="platform" defaultValue={props.platform}>
          {PLATFORM_CHOICES.map((c) => (
            <option key={c} value={c}>
              {t(`imports.platform.${c}`)}
            </option>
          ))}
        </select>
        {p.detectedPlatform ? <span className="hint">{t('imports.preview.detected', { platform: t(`imports.platform.${p.detectedPlatform}`) })}</span> : null}
      </div>
      <h3>{t('imports.preview.mapping')}</h3>
      <p className="muted small">{t('imports.preview.mappingHint')}</p>
      <div className="table-wrap" tabIndex={0} style={{ marginBottom: 16 }}>
        <table className="table-edit">
          <thead>
            <tr>
              <th scope="col">{t('imports.preview.row')}</th>
              {p.headers.map((h, i) => (
                <th scope="col" key={i}>
                  {columnName(h, i)}
                </th>
              ))}
            </tr>
            <tr>
              <td />
              {p.headers.map((h, i) => (
                <td key={i}>
                  <select name={`map.${i}`} defaultValue={p.mapping[i] ?? ''} aria-label={t('imports.preview.mappingFor', { header: columnName(h, i) })}>
                    <option value="">{t('imports.preview.ignore')}</option>
                    {LEAD_FIELDS.map((f) => (
                      <option key={f} value={f}>
                        {t(`imports.field.${f}`)}
                      </option>
                    ))}
                  </select>
                </td>
              ))}
            </tr>
          </thead>
          <tbody>
            {p.sample.map((row) => (
              <tr key={row.rowNumber}>
                <th scope="row" className="num">
                  {row.rowNumber}
                </th>
                {row.cells.map((c, i) => (
                  <td key={i}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy || p.dataRows === 0}>
          {t('imports.preview.confirm', { count: num(p.dataRows) })}
        </button>
        <Link to="/imports/new" reloadDocument className="btn btn-ghost">
          {t('imports.preview.startOver')}
        </Link>
      </div>
    </Form>
  )
}
