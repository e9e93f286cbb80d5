import { Form } from '@remix-run/react'
import { TASK_STATUSES } from '../../db/schema/enums'
import { useI18n } from '../utils/use-root'
import type { CampaignData } from './campaign-view'
import { CsrfInput } from './csrf-input'

/** The execution form as posted (read by formToObject). */
export type ExecutionValues = {
  tasks?: Array<{ id?: string; status?: string }>
}

/** After approval: record the progress of each work item (spend is recorded as entries: ./spend-entries.tsx). */
export function ExecutionForm({
  c,
  values,
}: {
  c: CampaignData
  /** what the user typed, when a stale save was refused */
  values?: ExecutionValues
}) {
  const { t } = useI18n()
  // a refused save's input, found by row id (the rows' order may have changed meanwhile)
  const typedStatus = (id: string) => values?.tasks?.find((task) => task.id === id)?.status
  return (
    <section className="card no-print" aria-labelledby="exec-h">
      <h2 id="exec-h">{t('campaign.executionUpdate')}</h2>
      <p className="muted small">{t('campaign.tasksUpdateHint')}</p>
      <Form method="post">
        <CsrfInput />
        <input type="hidden" name="intent" value="execution" />
        <input type="hidden" name="version" value={c.version} />
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
          {t('campaign.saveTasks')}
        </button>
      </Form>
    </section>
  )
}
