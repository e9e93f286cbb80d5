import type { ReactNode } from 'react'
import { CHANNELS, type LeadStatus } from '../../db/schema/enums'
import type { FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'
import { FieldError } from './field-error'

export type Option = { value: string; label: string }
type Values = Record<string, unknown>

const BADGE: Record<LeadStatus, string> = {
  new: 'badge-submitted',
  contacted: 'badge-approved',
  visited: 'badge-running',
  test_drive: 'badge-evaluated',
  ordered: 'badge-completed',
  delivered: 'badge-completed',
  lost: 'badge-cancelled',
}

export function LeadStatusBadge({ status }: { status: LeadStatus }) {
  const { t } = useI18n()
  return <span className={`badge ${BADGE[status]}`}>{t(`leads.status.${status}`)}</span>
}

type InputProps = { id: string; name: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }

/** A labelled control with its hint and error, wired for screen readers. */
export function FormField({
  name,
  label,
  errors,
  hint,
  optional,
  children,
}: {
  name: string
  label: string
  errors?: FieldErrors
  hint?: string
  optional?: boolean
  children: (props: InputProps) => ReactNode
}) {
  const { t } = useI18n()
  const id = `f-${name}`
  const error = errors?.[name]
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {optional ? <span className="muted small"> ({t('common.optional')})</span> : null}
      </label>
      {children({ id, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  )
}

const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v))

export function TextField({
  name,
  label,
  values,
  errors,
  type = 'text',
  hint,
  optional,
  required,
  inputMode,
  autoComplete,
  maxLength = 60,
  list,
}: {
  name: string
  label: string
  values: Values
  errors?: FieldErrors
  type?: 'text' | 'tel' | 'datetime-local' | 'date' | 'number' | 'search'
  hint?: string
  optional?: boolean
  required?: boolean
  inputMode?: 'numeric' | 'decimal' | 'tel' | 'text'
  autoComplete?: string
  maxLength?: number
  /** suggestions offered as one types (a <datalist>) */
  list?: string
}) {
  return (
    <FormField name={name} label={label} errors={errors} hint={hint} optional={optional}>
      {(p) => (
        <input
          {...p}
          type={type}
          defaultValue={str(values[name])}
          required={required}
          inputMode={inputMode}
          autoComplete={autoComplete}
          maxLength={type === 'datetime-local' || type === 'date' || type === 'number' ? undefined : maxLength}
          list={list}
        />
      )}
    </FormField>
  )
}

export function SelectField({
  name,
  label,
  values,
  errors,
  options,
  empty,
  hint,
  optional,
}: {
  name: string
  label: string
  values: Values
  errors?: FieldErrors
  options: Option[]
  /** the label of the empty choice; without it a value must be chosen */
  empty?: string
  hint?: string
  optional?: boolean
}) {
  return (
    <FormField name={name} label={label} errors={errors} hint={hint} optional={optional}>
      {(p) => (
        <select {...p} defaultValue={str(values[name])}>
          {empty !== undefined ? <option value="">{empty}</option> : null}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FormField>
  )
}

export function useChannelOptions(): Option[] {
  const { t } = useI18n()
  return CHANNELS.map((c) => ({ value: c, label: t(`leads.channel.${c}`) }))
}

export function TextAreaField({ name, label, values, errors, optional, rows = 3 }: { name: string; label: string; values: Values; errors?: FieldErrors; optional?: boolean; rows?: number }) {
  return (
    <FormField name={name} label={label} errors={errors} optional={optional}>
      {(p) => <textarea {...p} rows={rows} defaultValue={str(values[name])} maxLength={2000} />}
    </FormField>
  )
}

/** The time of day of a moment in the store's time zone: 09:30. */
export function useClock() {
  const { locale } = useI18n()
  return (at: Date | string, timeZone: string) =>
    new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(at))
}
