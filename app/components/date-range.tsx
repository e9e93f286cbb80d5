import { Link, useSearchParams } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import { presetRange, RANGE_PRESETS } from '../utils/date-presets'
import { useI18n } from '../utils/use-root'

/**
 * A period as one control (SPEC §6: date ranges with a range picker): the first and last day side
 * by side under one label, and the periods people ask for most — this month, last month, this
 * quarter, the last 90 days — one tap away. The presets are links, so they work before
 * JavaScript loads; the days are the store's (`today` from the loader).
 */
export function DateRange({
  id,
  label,
  from,
  to,
  today,
  fromLabel,
  toLabel,
  hint,
}: {
  id: string
  label: string
  from: string
  to: string
  today: string
  fromLabel?: string
  toLabel?: string
  /** what the days are counted by, when it is not obvious */
  hint?: string
}) {
  const { t } = useI18n()
  const [params] = useSearchParams()
  const href = (range: { from: string; to: string }) => {
    const next = new URLSearchParams(params)
    next.set('from', range.from)
    next.set('to', range.to)
    next.delete('page')
    next.delete('notice')
    // a month from an older link gives way to the days chosen
    next.delete('month')
    return `?${next}`
  }
  return (
    <fieldset className="field date-range" aria-describedby={hint ? `${id}-hint ${id}-presets` : `${id}-presets`}>
      <legend>{label}</legend>
      <div className="date-range-inputs">
        <input id={`${id}-from`} name="from" type="date" defaultValue={from} aria-label={fromLabel ?? t('common.from')} max={to || undefined} />
        <span aria-hidden="true">–</span>
        <input id={`${id}-to`} name="to" type="date" defaultValue={to} aria-label={toLabel ?? t('common.to')} min={from || undefined} />
      </div>
      {hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      <div className="date-range-presets small" id={`${id}-presets`}>
        {RANGE_PRESETS.map((p) => {
          const range = presetRange(p, today)
          const current = range.from === from && range.to === to
          return (
            <Link key={p} to={href(range)} aria-current={current ? 'true' : undefined} className={current ? 'current' : undefined}>
              {t(`range.${p}` as MessageKey)}
            </Link>
          )
        })}
      </div>
    </fieldset>
  )
}
