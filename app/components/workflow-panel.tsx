import { Form, useNavigation } from '@remix-run/react'
import type { CampaignStatus } from '../../db/schema/enums'
import type { CampaignAction } from '../utils/permissions'
import { CAMPAIGN_WORKFLOW } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'
import { StatusBadge } from './status-badge'

type HistoryEntry = { id: number; fromStatus: CampaignStatus | null; toStatus: CampaignStatus; comment: string; at: Date | string; userName: string | null }

/** The next steps this user may take, each a small form, and the history of steps taken. */
export function WorkflowPanel({
  actions,
  version,
  history,
  timeZone,
  error,
}: {
  actions: CampaignAction[]
  version: number
  history: HistoryEntry[]
  timeZone: string
  error?: { action: string; message: string }
}) {
  const { t, moment } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const withComment = actions.filter((a) => CAMPAIGN_WORKFLOW[a].commentRequired || a === 'approve')
  const plain = actions.filter((a) => !withComment.includes(a))
  return (
    <>
      {actions.length ? (
        <section className="card no-print" aria-labelledby="wf-h" id="workflow">
          <h2 id="wf-h">{t('campaign.workflow')}</h2>
          {plain.map((action) => (
            <Form method="post" key={action} style={{ marginBottom: 8 }}>
              <CsrfInput />
              <input type="hidden" name="intent" value="transition" />
              <input type="hidden" name="version" value={version} />
              <button type="submit" name="action" value={action} className="btn btn-primary" disabled={busy} style={{ width: '100%' }}>
                {t(`campaign.action.${action}`)}
              </button>
            </Form>
          ))}
          {withComment.length ? (
            <Form method="post">
              <CsrfInput />
              <input type="hidden" name="intent" value="transition" />
              <input type="hidden" name="version" value={version} />
              <div className="field">
                <label htmlFor="wf-comment">{t('campaign.commentLabel')}</label>
                <textarea
                  id="wf-comment"
                  name="comment"
                  rows={3}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={error ? 'wf-comment-error' : undefined}
                />
                <FieldError id="wf-comment-error" message={error?.message} />
              </div>
              <div className="form-actions">
                {withComment.map((action) => (
                  <button
                    key={action}
                    type="submit"
                    name="action"
                    value={action}
                    disabled={busy}
                    className={action === 'approve' ? 'btn btn-primary' : action === 'cancel' ? 'btn btn-danger' : 'btn'}
                  >
                    {t(`campaign.action.${action}`)}
                  </button>
                ))}
              </div>
            </Form>
          ) : null}
        </section>
      ) : null}
      <section className="card" aria-labelledby="hist-h">
        <h2 id="hist-h">{t('campaign.history')}</h2>
        {history.length ? (
          <ol className="history">
            {history.map((h) => (
              <li key={h.id}>
                <div>
                  {h.fromStatus ? <StatusBadge status={h.fromStatus} /> : null} → <StatusBadge status={h.toStatus} />
                </div>
                <div className="small muted">
                  {h.userName ?? '—'} · <time dateTime={new Date(h.at).toISOString()}>{moment(h.at, timeZone)}</time>
                </div>
                {h.comment ? <p className="small pre" style={{ margin: '4px 0 0' }}>{h.comment}</p> : null}
              </li>
            ))}
          </ol>
        ) : (
          <p className="muted">{t('campaign.historyEmpty')}</p>
        )}
      </section>
    </>
  )
}
