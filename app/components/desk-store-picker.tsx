import { Form } from '@remix-run/react'
import { useI18n } from '../utils/use-root'

/** For staff of several stores: which store's desk they are logging for (a GET form, works without JavaScript). */
export function DeskStorePicker({ stores, current }: { stores: Array<{ id: string; name: string }>; current: { id: string; name: string } }) {
  const { t } = useI18n()
  if (stores.length <= 1) return <p className="muted small">{current.name}</p>
  return (
    <Form method="get" className="desk-day">
      <div className="field">
        <label htmlFor="desk-store">{t('common.store')}</label>
        <select id="desk-store" name="store" defaultValue={current.id}>
          {stores.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="btn btn-lg">
        {t('desk.show')}
      </button>
    </Form>
  )
}
