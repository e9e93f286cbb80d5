import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { BudgetTable, PlanParts } from '../components/campaign-view'
import { CompetitorsDuringCard } from '../components/competitors-during'
import { CaptureSummary } from '../components/capture-summary'
import { CsrfInput } from '../components/csrf-input'
import { ExecutionForm, type ExecutionValues } from '../components/execution-form'
import { SpendEntries, type SpendValues } from '../components/spend-entries'
import { StatusBadge } from '../components/status-badge'
import { TrackingLinks } from '../components/tracking-links'
import { WorkflowPanel } from '../components/workflow-panel'
import type { MessageKey } from '../i18n'
import { ExecutionUpdateSchema, planGaps, SpendEntrySchema, TransitionSchema } from '../schemas/campaign'
import { addSpendEntry, budgetSummary, campaignForViewer, captureSummary, cloneCampaign, deleteSpendEntry, getCampaign, transitionCampaign, updateExecution } from '../services/campaigns.server'
import { changesSinceReturn, nextWaitingPlan } from '../services/campaign-approval.server'
import { competitorsDuring } from '../services/competitor-analysis.server'
import { ensureLinksForCampaign, ensureLinksFromForm, trackingLinksSection } from '../services/tracking-links.server'
import { canWriteStore, requireUser, requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, splitMessage, toFieldErrors, type FieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { badFields, badInput } from '../utils/input.server'
import { resolveLocale } from '../utils/i18n.server'
import { translator } from '../i18n'
import { availableActions, EXECUTION_EDITABLE, PLAN_EDITABLE, roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { zonedDay } from '../utils/zoned-time'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:read')
  const campaign = await getCampaign(user, params.campaignId!)
  const canWrite = roleCan(user.role, 'campaign:write') && canWriteStore(user, campaign.storeId)
  const showBudget = roleCan(user.role, 'budget:read')
  const lastReturn = campaign.status === 'returned' ? campaign.history.find((h) => h.toStatus === 'returned') : undefined
  const actions = canWriteStore(user, campaign.storeId) ? availableActions(user.role, campaign.status) : []
  const notice = new URL(request.url).searchParams.get('notice')
  return {
    campaign: campaignForViewer(user, campaign),
    budget: showBudget ? budgetSummary(campaign.budgetLines, campaign.spendEntries) : null,
    actions,
    // what a draft still lacks before it may go to approval, beside the submit button
    gaps: actions.includes('submit') ? planGaps(campaign) : {},
    // beside the approve / return buttons: the budget, the targets and what changed since the plan was returned
    approval: actions.includes('approve')
      ? { budget: budgetSummary(campaign.budgetLines, campaign.spendEntries), sinceReturn: await changesSinceReturn(campaign.id) }
      : null,
    // after a decision, the queue goes on
    nextWaiting: (notice === 'approve' || notice === 'return') && roleCan(user.role, 'campaign:approve') ? await nextWaitingPlan(user, campaign.id) : null,
    canEditPlan: canWrite && PLAN_EDITABLE.includes(campaign.status),
    canEditExecution: canWrite && EXECUTION_EDITABLE.includes(campaign.status),
    canClone: canWrite,
    canEvaluate: canWrite && (campaign.status === 'completed' || campaign.status === 'evaluated'),
    showBudget,
    capture: ['approved', 'running', 'completed', 'evaluated'].includes(campaign.status) ? await captureSummary(campaign.id) : null,
    // what competitors did meanwhile, once the campaign runs (SPEC §5)
    competitors:
      ['running', 'completed', 'evaluated'].includes(campaign.status) && roleCan(user.role, 'competitor:read') ? await competitorsDuring(user, campaign) : null,
    lastReturn: lastReturn ? { comment: lastReturn.comment, userName: lastReturn.userName } : null,
    trackingLinks: await trackingLinksSection(user, campaign.id, request),
    today: zonedDay(new Date(), campaign.store.timeZone),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const form = await readMutationForm(request)
  const id = params.campaignId!
  const ip = clientIp(request)
  const intent = form.get('intent')
  if (intent === 'transition') {
    const parsed = TransitionSchema.safeParse(formToObject(form))
    if (!parsed.success) badFields(request, parsed.error, user)
    const result = await transitionCampaign(user, id, parsed.data.action, parsed.data.comment, ip)
    // an approved plan's placements are final: give each its tracking link (SPEC §3) when the store has a website
    if (result.ok && result.status === 'approved') await ensureLinksForCampaign(user, id, {}, ip)
    if (result.ok) return redirect(`/campaigns/${id}?notice=${parsed.data.action}`)
    const message =
      result.reason === 'comment-required'
        ? 'campaign.commentRequired'
        : result.reason === 'incomplete'
          ? 'campaign.submitIncomplete'
          : `campaign.actionNotAllowed?status=${result.status}`
    return data({ workflowError: { action: parsed.data.action, message }, errors: {} as FieldErrors }, { status: result.reason === 'not-allowed' ? 409 : 400 })
  }
  if (intent === 'execution') {
    // what the user typed stays on the page when it is refused
    const executionValues = formToObject(form) as ExecutionValues
    const parsed = ExecutionUpdateSchema.safeParse(executionValues)
    if (!parsed.success) return data({ workflowError: null, errors: toFieldErrors(parsed.error), executionValues }, { status: 400 })
    const result = await updateExecution(user, id, parsed.data, ip)
    if (result.ok) return redirect(`/campaigns/${id}?notice=updated`)
    // stale: they check their input against the latest and save again
    if (result.reason === 'stale') {
      return data({ workflowError: null, errors: { _form: `campaign.stale?version=${result.version}` } as FieldErrors, executionValues }, { status: 409 })
    }
    return redirect(`/campaigns/${id}?notice=not-editable`)
  }
  if (intent === 'spend.add') {
    const spendValues = formToObject(form) as SpendValues
    const parsed = SpendEntrySchema.safeParse(spendValues)
    if (!parsed.success) return data({ workflowError: null, errors: toFieldErrors(parsed.error), spendValues }, { status: 400 })
    const result = await addSpendEntry(user, id, parsed.data, ip)
    if (result.ok) return redirect(`/campaigns/${id}?notice=spend-added#spend`)
    if (result.reason === 'no-line') return data({ workflowError: null, errors: { budgetLineId: 'campaign.spend.noLine' } as FieldErrors, spendValues }, { status: 400 })
    return redirect(`/campaigns/${id}?notice=not-editable`)
  }
  if (intent === 'spend.delete') {
    const entryId = String(form.get('entryId') ?? '')
    if (!/^[0-9a-f-]{36}$/i.test(entryId)) badInput(request, [{ field: 'entryId', message: 'validation.invalid' }], user)
    const result = await deleteSpendEntry(user, id, entryId, ip)
    return redirect(result.ok ? `/campaigns/${id}?notice=spend-deleted#spend` : `/campaigns/${id}?notice=not-editable`)
  }
  if (intent === 'clone') {
    await requireUserWithPermission(request, 'campaign:write')
    const source = await getCampaign(user, id)
    const t = translator(resolveLocale(request, user.locale))
    const newId = await cloneCampaign(user, id, t('campaign.cloneOf', { name: source.name }).slice(0, 120), ip)
    return redirect(`/campaigns/${newId}/edit?notice=cloned`)
  }
  if (intent === 'links.ensure') {
    const result = await ensureLinksFromForm(user, id, form, ip)
    if (result.ok) return redirect(`/campaigns/${id}?notice=links#tracking-links`)
    const linksValues = { destinationUrl: String(form.get('destinationUrl') ?? '') }
    return data({ workflowError: null, errors: result.errors, linksValues }, { status: 400 })
  }
  badInput(request, [{ field: 'intent', message: 'validation.choice' }], user)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Roadshow · ${data?.campaign.name ?? ''}` }]

const NOTICES: Record<string, MessageKey> = {
  created: 'campaign.created',
  updated: 'campaign.updated',
  submit: 'campaign.actionDone.submit',
  approve: 'campaign.actionDone.approve',
  return: 'campaign.actionDone.return',
  start: 'campaign.actionDone.start',
  complete: 'campaign.actionDone.complete',
  cancel: 'campaign.actionDone.cancel',
  reopen: 'campaign.actionDone.reopen',
  evaluated: 'common.saved',
  links: 'links.created',
  'spend-added': 'campaign.spend.added',
  'spend-deleted': 'campaign.spend.deleted',
  link: 'links.updated',
}

export default function CampaignPage() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [params] = useSearchParams()
  const { t, day, moment, money, num } = useI18n()
  const c = d.campaign
  const executionValues = actionData && 'executionValues' in actionData ? (actionData.executionValues as ExecutionValues) : undefined
  const spendValues = actionData && 'spendValues' in actionData ? (actionData.spendValues as SpendValues) : undefined
  const noticeKey = params.get('notice')
  const notice = noticeKey ? NOTICES[noticeKey] : undefined
  return (
    <>
      <div className="breadcrumb">
        <Link to="/campaigns">{t('campaigns.title')}</Link> / {c.store.name}
      </div>
      <div className="page-head">
        <div>
          <h1>
            {c.name} <StatusBadge status={c.status} />
          </h1>
          <p className="muted small" style={{ margin: '4px 0 0' }}>
            {c.form ? t(`form.${c.form}`) : t('campaign.formNotSet')} · {c.store.name} ·{' '}
            {c.startDate || c.endDate ? `${day(c.startDate)} – ${day(c.endDate)}` : t('campaign.datesNotSet')} · {t('campaign.field.owner')}{' '}
            {c.ownerName ?? '—'} ·{' '}
            {t('campaign.lastUpdated', { when: moment(c.updatedAt, c.store.timeZone) })}
          </p>
        </div>
        <div className="actions no-print">
          {d.canEditPlan ? (
            <Link to="edit" className="btn btn-primary">
              {t('campaign.edit')}
            </Link>
          ) : null}
          {d.canEvaluate ? (
            <Link to="evaluation" className="btn">
              {t('campaign.evaluation')}
            </Link>
          ) : null}
          <Link to="print" className="btn">
            {t('campaign.print')}
          </Link>
          {d.canClone ? (
            <Form method="post">
              <CsrfInput />
              <button type="submit" name="intent" value="clone" className="btn">
                {t('campaign.clone')}
              </button>
            </Form>
          ) : null}
        </div>
      </div>
      {notice ? (
        <div className="alert alert-success" role="status">
          {t(notice)}
          {d.nextWaiting ? (
            <>
              {' '}
              <Link to={`/campaigns/${d.nextWaiting.id}#workflow`} data-testid="next-waiting">
                {t('campaign.approval.next', { name: d.nextWaiting.name })}
              </Link>
            </>
          ) : noticeKey === 'approve' || noticeKey === 'return' ? (
            <> {t('campaign.approval.queueEmpty')}</>
          ) : null}
        </div>
      ) : null}
      {noticeKey === 'not-editable' ? (
        <div className="alert alert-warning" role="status">
          {t('campaign.notEditable', { status: t(`status.${c.status}`) })}
        </div>
      ) : null}
      {d.lastReturn ? (
        <div className="alert alert-warning" role="status">
          {t('campaign.returnedNotice', { name: d.lastReturn.userName ?? '—', comment: d.lastReturn.comment })}
        </div>
      ) : null}
      {actionData?.errors?._form ? (
        <div className="alert alert-danger" role="alert">
          {t(...(splitMessage(actionData.errors._form) as [MessageKey, Record<string, string>]))}
        </div>
      ) : null}
      {/* the figures the campaign is judged on, at the top (on a phone too) */}
      <dl className="grid stats key-figures" data-testid="key-figures">
        {d.budget ? (
          <div className="stat">
            <dt>{t('campaign.key.budget')}</dt>
            <dd>{money(d.budget.planned, c.store.currency)}</dd>
          </div>
        ) : null}
        {d.budget ? (
          <div className="stat">
            <dt>{t('campaign.key.spent')}</dt>
            <dd className={d.budget.overBy ? 'error-text' : undefined}>{d.budget.actual == null ? '—' : money(d.budget.actual, c.store.currency)}</dd>
          </div>
        ) : null}
        {d.capture ? (
          <div className="stat">
            <dt>{t('campaign.key.leads')}</dt>
            <dd>
              {num(d.capture.leads)}
              {c.targetLeads ? <small className="muted small"> / {num(c.targetLeads)}</small> : null}
            </dd>
          </div>
        ) : null}
        {d.capture?.sales ? (
          <div className="stat">
            <dt>{t('campaign.key.orders')}</dt>
            <dd>
              {num(d.capture.sales.orders)}
              {c.targetOrders ? <small className="muted small"> / {num(c.targetOrders)}</small> : null}
            </dd>
          </div>
        ) : null}
      </dl>
      <div className="layout-side campaign-layout">
        <div>
          <PlanParts c={c} showBudget={d.showBudget} />
          {d.budget ? <BudgetTable c={c} summary={d.budget} /> : <p className="muted small">{t('campaign.hiddenBudget')}</p>}
          {d.showBudget && (d.canEditExecution || c.spendEntries.length) ? (
            <SpendEntries
              key={spendValues ? JSON.stringify(spendValues) : `s${c.spendEntries.length}`}
              c={c}
              canEdit={d.canEditExecution}
              errors={spendValues ? (actionData?.errors ?? {}) : {}}
              values={spendValues}
              today={d.today}
            />
          ) : null}
          {d.canEditExecution && c.tasks.length ? (
            <ExecutionForm key={executionValues ? JSON.stringify(executionValues) : `v${c.version}`} c={c} values={executionValues} />
          ) : null}
          <TrackingLinks campaignId={c.id} section={d.trackingLinks} errors={actionData?.errors ?? {}} />
        </div>
        <aside>
          <WorkflowPanel
            approval={d.approval ? { ...d.approval, campaign: c } : null}
            actions={d.actions}
            gaps={d.gaps}
            editHref={d.canEditPlan ? `/campaigns/${c.id}/edit` : undefined}
            version={c.version}
            history={c.history}
            timeZone={c.store.timeZone}
            error={actionData?.workflowError ?? undefined}
          />
          {d.capture ? <CaptureSummary campaignId={c.id} counts={d.capture} /> : null}
          {d.competitors ? <CompetitorsDuringCard during={d.competitors} currency={c.store.currency} /> : null}
          {c.status === 'completed' || c.status === 'evaluated' ? (
            <section className="card">
              <h2>{t('campaign.evaluation')}</h2>
              <p className="muted small">{t('campaign.evaluationPending')}</p>
              <Link to="evaluation">{t('campaign.evaluation')} →</Link>
            </section>
          ) : null}
        </aside>
      </div>
    </>
  )
}
