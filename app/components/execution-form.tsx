import { Form } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import { TASK_STATUSES } from '../../db/schema/enums'
import { fenToYuanInput } from '../utils/format'
import type { FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'
import type { CampaignData } from './campaign-view'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'

/** The execution form as posted (read by formToObject). */
export type ExecutionValues = {
  budgetLines?: Array<{ id?: string; actualFen?: string }>
  tasks?: Array<{ id?: string; status?: string }>
}

/** After approval: record actual spend per budget line and the progress of each work item. */
export function ExecutionForm({
  c,
  errors,
  showBudget,
  values,
}: {
  c: CampaignData
  errors: FieldErrors
  showBudget: boolean
  /** what the user typed, when a stale save was refused */
  values?: ExecutionValues
}) {
  const { t, money } = useI18n()
  // a refused save's input, found by row id (the rows' order may have changed meanwhile)
  const typedActual = (id: string) => values?.budgetLines?.find((b) => b.id === id)?.actualFen
  const typedStatus = (id: string) => values?.tasks?.find((task) => task.id === id)?.status
  return (
    <section className="card no-print" aria-labelledby="exec-h">
      <h2 id="exec-h">{t('campaign.executionUpdate')}</h2>
      <p className="muted small">{t('campaign.executionUpdateHint')}</p>
      <Form method="post">
        <CsrfInput />
        <input type="hidden" name="intent" value="execution" />
        <input type="hidden" name="version" value={c.version} />
        {showBudget && c.budgetLines.length ? (
          <div className="grid grid-2">
            {c.budgetLines.map((b, i) => (
              <div className="field" key={b.id}>
                <input type="hidden" name={`budgetLines[${i}].id`} value={b.id} />
                <label htmlFor={`exec-b-${i}`}>
                  {t('campaign.field.actual')} · {b.description || t(`budgetCategory.${b.category}` as MessageKey)}
                </label>
                <input
                  id={`exec-b-${i}`}
                  name={`budgetLines[${i}].actualFen`}
                  type="text"
                  inputMode="decimal"
                  className="num"
                  defaultValue={typedActual(b.id) ?? fenToYuanInput(b.actualFen)}
                  aria-describedby={`exec-b-${i}-hint exec-b-${i}-error`}
                  aria-invalid={errors[`budgetLines.${i}.actualFen`] ? true : undefined}
                />
                <span className="hint" id={`exec-b-${i}-hint`}>
                  {t('campaign.field.planned')} {money(b.plannedFen, c.store.currency)}
                </span>
                <FieldError id={`exec-b-${i}-error`} message={errors[`budgetLines.${i}.actualFen`]} />
              </div>
            ))}
          </div>
        ) : null}
        {c.tasks.length ? (
          <div className="grid grid-2">
            {c.tasks.map((task, i) => (
              <div className="field" key={task.id}>
                <input type="hidden" name={`tasks[${i}].id`} value={task.id} />
                <label htmlFor={`exec-t-${i}`}>
                  {task.title} · {task.owner}
                </label>
                <select id={`exec-t-${i}`} name={`tasks[${i}].status`} defaultValue={typedStatus(task.id) ?? task.status}>
                  {TASK_STATUSES.map((s) => (
                    <option key={s} value={s}>
                      {t(`taskStatus.${s}`)}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          </div>
        ) : null}
        <button type="submit" className="btn btn-primary">
          {t('campaign.saveExecution')}
        </button>
      </Form>
    </section>
  )
}
