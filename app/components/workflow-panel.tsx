import { Form, useNavigation } from '@remix-run/react'
import type { CampaignStatus } from '../../db/schema/enums'
import type { CampaignAction } from '../utils/permissions'
import { CAMPAIGN_WORKFLOW } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { errorLinks } from './campaign-form'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'
import { StatusBadge } from './status-badge'
import type { MessageKey } from '../i18n'
import type { PlanChange, SinceReturn } from '../services/campaign-approval.server'
import { FIELD_LABELS, LIST_LABELS } from '../utils/campaign-form-values'

type HistoryEntry = { id: number; fromStatus: CampaignStatus | null; toStatus: CampaignStatus; comment: string; at: Date | string; userName: string | null }

type Targets = {
  targetLeads: number | null
  targetVisits: number | null
  targetTestDrives: number | null
  targetOrders: number | null
  targetDeliveries: number | null
  targetRevenueFen: number | null
  targetGrossProfitFen: number | null
}

export type ApprovalFacts = {
  budget: { planned: number; subsidy: number; netCost: number }
  sinceReturn: SinceReturn | null
  campaign: Targets & { store: { currency: string; timeZone: string } }
}

const COUNT_TARGETS = [
  ['targetLeads', 'campaign.field.targetLeads'],
  ['targetVisits', 'campaign.field.targetVisits'],
  ['targetTestDrives', 'campaign.field.targetTestDrives'],
  ['targetOrders', 'campaign.field.targetOrders'],
  ['targetDeliveries', 'campaign.field.targetDeliveries'],
] as const

/** What a manager weighs before deciding: the budget, the targets and what changed since the plan was returned. */
function ApprovalFactsBlock({ facts }: { facts: ApprovalFacts }) {
  const { t, money, num, moment } = useI18n()
  const c = facts.campaign
  const currency = c.store.currency
  const targets = COUNT_TARGETS.filter(([k]) => c[k] != null)
  const since = facts.sinceReturn
  const partLabel = (part: PlanChange['part']) => t(PART_LABEL[part])
  const listEdited = (ch: PlanChange) => ch.list && ch.before === ch.after
  const show = (ch: PlanChange, v: string | number | null) =>
    v == null ? '—' : ch.list ? t('campaign.approval.items', { count: Number(v) }) : ch.part.endsWith('Fen') ? money(Number(v), currency) : String(v)
  return (
    <div className="approval-facts" data-testid="approval-facts">
      <dl className="props">
        <dt>{t('campaign.approval.budget')}</dt>
        <dd>
          {money(facts.budget.planned, currency)}
          {facts.budget.subsidy ? <span className="muted small"> · {t('campaign.approval.subsidy', { amount: money(facts.budget.subsidy, currency) })}</span> : null}
        </dd>
        <dt>{t('campaign.section.targets')}</dt>
        <dd>
          {targets.length || c.targetRevenueFen != null || c.targetGrossProfitFen != null ? (
            <ul className="plain">
              {targets.map(([k, label]) => (
                <li key={k}>
                  {t(label)} {num(c[k])}
                </li>
              ))}
              {c.targetRevenueFen != null ? <li>{t('campaign.approval.revenue', { amount: money(c.targetRevenueFen, currency) })}</li> : null}
              {c.targetGrossProfitFen != null ? <li>{t('campaign.approval.grossProfit', { amount: money(c.targetGrossProfitFen, currency) })}</li> : null}
            </ul>
          ) : (
            <span className="muted">{t('campaign.approval.noTargets')}</span>
          )}
        </dd>
      </dl>
      <h3 className="small">{t('campaign.approval.changes')}</h3>
      {since ? (
        <>
          <p className="muted small">{t('campaign.approval.returnedAt', { at: moment(since.returnedAt, c.store.timeZone) })}</p>
          {since.changes.length ? (
            <ul className="changes" data-testid="plan-changes">
              {since.changes.map((ch) => (
                <li key={ch.part}>
                  <strong>{partLabel(ch.part)}</strong>:{' '}
                  {listEdited(ch) ? (
                    t('campaign.approval.edited')
                  ) : (
                    <>
                      <del>{show(ch, ch.before)}</del> → <ins>{show(ch, ch.after)}</ins>
                    </>
                  )}
                </li>
              ))}
            </ul>
          ) : (
            <p className="small">{t('campaign.approval.unchanged')}</p>
          )}
        </>
      ) : (
        <p className="muted small">{t('campaign.approval.first')}</p>
      )}
    </div>
  )
}

// what changed is told by section where a section is one field
const PART_LABEL: Record<PlanChange['part'], MessageKey> = {
  ...(FIELD_LABELS as Record<Exclude<PlanChange['part'], keyof typeof LIST_LABELS>, MessageKey>),
  ...LIST_LABELS,
  background: 'campaign.section.background',
  purposes: 'campaign.section.purposes',
  executionContent: 'campaign.section.execution',
}

/** The next steps this user may take, each a small form, and the history of steps taken. */
export function WorkflowPanel({
  approval,
  actions,
  gaps = {},
  editHref,
  version,
  history,
  timeZone,
  error,
}: {
  approval?: ApprovalFacts | null
  actions: CampaignAction[]
  /** what the plan still lacks before it may be submitted (field → message) */
  gaps?: Record<string, string>
  /** where the plan is edited, when this user may: each lacking field links into the form */
  editHref?: string
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
          {approval ? <ApprovalFactsBlock facts={approval} /> : null}
          {Object.keys(gaps).length ? (
            <div className={`alert small ${error?.action === 'submit' ? 'alert-danger' : 'alert-warning'}`} role={error?.action === 'submit' ? 'alert' : undefined} data-testid="plan-gaps">
              <p style={{ margin: 0 }}>{t(error?.action === 'submit' ? 'campaign.submitIncomplete' : 'campaign.beforeSubmit')}</p>
              <ul>
                {errorLinks(gaps, t).map((g) => (
                  <li key={g.key}>{editHref ? <a href={`${editHref}${g.href}`}>{g.label}</a> : g.label}</li>
                ))}
              </ul>
            </div>
          ) : null}
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
            // a new form after each step (the version moves): the comment box starts empty
            <Form method="post" key={version}>
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
