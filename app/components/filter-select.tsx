import { Link } from '@remix-run/react'
import { useI18n } from '../utils/use-root'

/**
 * A labelled filter of a list page: "All" plus the options (or the options alone, where one
 * must be chosen: `all={false}`); the current value comes from the URL.
 */
export function FilterSelect({
  name,
  label,
  options,
  value,
  id = name,
  all = true,
}: {
  name: string
  label: string
  options: ReadonlyArray<{ value: string; label: string }>
  value: string
  id?: string
  all?: boolean
}) {
  const { t } = useI18n()
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {/* keyed by the value: a link to another filter remakes it, so it shows what the list is filtered by */}
      <select id={id} name={name} defaultValue={value} key={value}>
        {all ? <option value="">{t('common.all')}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  )
}

/** The buttons of a list's filter form: apply, and back to the unfiltered list. */
export function FilterActions({ resetTo, showReset = true }: { resetTo: string; showReset?: boolean }) {
  const { t } = useI18n()
  return (
    <div className="form-actions">
      <button type="submit" className="btn btn-primary">
        {t('common.filter')}
      </button>
      {showReset ? (
        <Link to={resetTo} className="btn btn-ghost">
          {t('common.reset')}
        </Link>
      ) : null}
    </div>
  )
}
