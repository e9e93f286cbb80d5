import { useI18n } from '../utils/use-root'

/**
 * The fields every import's upload step shares (lead-platform exports, DMS sales exports): the
 * store the file is for, and the file with what it may be. The store comes before the file in
 * the form so that the server can check it before it reads the upload.
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
