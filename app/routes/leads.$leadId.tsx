import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import {
  EditLeadForm,
  ErasePanel,
  HistoryList,
  LeadSummary,
  LifecyclePanel,
  MatchedSales,
  MergePanel,
  TouchpointTable,
  VisitTable,
} from '../components/lead-detail'
import type { MessageKey } from '../i18n'
import { EraseSchema, LeadPageQuerySchema, LeadUpdateSchema, MergeSchema, StatusChangeSchema } from '../schemas/lead'
import { matchedSalesOfLead } from '../services/matchback.server'
import { changeStatus, eraseLead, findMergeCandidates, getLead, getMergeCandidate, listConsultants, mergeLeads, updateLead } from '../services/leads.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors, type FieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { badInput, parseQuery } from '../utils/input.server'
import { nextStatuses } from '../utils/lead-lifecycle'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:read')
  const query = parseQuery(request, LeadPageQuerySchema, user)
  const lead = await getLead(user, params.leadId!)
  // a merged lead's old address leads to the lead it was merged into
  if (lead.mergedIntoId) throw redirect(`/leads/${lead.mergedIntoId}`)
  const canWrite = roleCan(user.role, 'lead:write') && canWriteStore(user, lead.storeId)
  const canManage = roleCan(user.role, 'lead:manage') && canWriteStore(user, lead.storeId)
  const mergeQ = query.mergeQ ?? ''
  const candidates = canManage && mergeQ ? await findMergeCandidates(user, lead.id, mergeQ) : []
  const mergeWith = query.mergeWith
  const mergeTarget = canManage && mergeWith ? await getMergeCandidate(user, lead.id, mergeWith) : null
  const consultants = canWrite ? await listConsultants([lead.storeId]) : []
  return {
    lead,
    canWrite,
    canManage,
    moves: canWrite ? nextStatuses(lead.status) : [],
    consultants: consultants.map((c) => ({ value: c.id, label: c.name })),
    merge: { q: mergeQ, searched: Boolean(mergeQ), candidates, target: mergeTarget },
    confirmErase: canManage && query.erase === '1',
    sales: await matchedSalesOfLead(lead),
    canReviewSales: roleCan(user.role, 'sales:review') && canWriteStore(user, lead.storeId),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  // every change needs 'lead:write'; merge and erase also 'lead:manage', and the lead's store — checked by the service
  const user = await requireUserWithPermission(request, 'lead:write')
  const form = await readMutationForm(request)
  const id = params.leadId!
  const ip = clientIp(request)
  const values = formToObject(form) as Record<string, string>
  const fail = (errors: FieldErrors, status = 400, extra: Record<string, unknown> = {}) =>
    data({ intent: String(form.get('intent')), values, errors, stale: null as number | null, ...extra }, { status })
  switch (form.get('intent')) {
    case 'edit': {
      const parsed = LeadUpdateSchema.safeParse(values)
      if (!parsed.success) return fail(toFieldErrors(parsed.error))
      const result = await updateLead(user, id, parsed.data, ip)
      if (result.ok) return redirect(`/leads/${id}?notice=updated`)
      // a stale save keeps what the user typed; they check it against the latest and save again
      if (result.reason === 'stale') return fail({}, 409, { stale: result.version })
      return fail({ [result.field]: result.message })
    }
    case 'status': {
      const parsed = StatusChangeSchema.safeParse(values)
      if (!parsed.success) return fail(toFieldErrors(parsed.error))
      const result = await changeStatus(user, id, parsed.data, ip)
      if (result.ok) return redirect(`/leads/${id}?notice=status`)
      return fail({ _form: `leads.notice.notAllowed?status=${result.status}` }, 409)
    }
    case 'merge': {
      const parsed = MergeSchema.safeParse(values)
      if (!parsed.success) return fail(toFieldErrors(parsed.error))
      const result = await mergeLeads(user, id, parsed.data.duplicateId, ip)
      if (result.ok) return redirect(`/leads/${id}?notice=merged`)
      return fail({ _form: 'leads.notice.mergeFailed' }, 409)
    }
    case 'erase': {
      const parsed = EraseSchema.safeParse(values)
      if (!parsed.success) return fail(toFieldErrors(parsed.error))
      await eraseLead(user, id, ip)
      return redirect('/leads?notice=erased')
    }
    default:
      badInput(request, [{ field: 'intent', message: 'validation.choice' }], user)
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Roadshow · ${data?.lead.name || data?.lead.phone || ''}` }]

const NOTICES: Record<string, MessageKey> = {
  created: 'leads.notice.created',
  matched: 'leads.notice.matched',
  updated: 'leads.notice.updated',
  status: 'leads.notice.status',
  merged: 'leads.notice.merged',
}

export default function LeadPage() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [params] = useSearchParams()
  const { t } = useI18n()
  const notice = NOTICES[params.get('notice') ?? '']
  const lead = d.lead
  const errorsFor = (intent: string) => (actionData?.intent === intent ? actionData.errors : {})
  return (
    <>
      <div className="breadcrumb">
        <Link to="/leads">{t('leads.title')}</Link> / {lead.store.name}
      </div>
      {notice ? (
        <div className="alert alert-success" role="status">
          {t(notice)}
        </div>
      ) : null}
      <LeadSummary lead={lead} />
      <div className="layout-side lead-layout">
        <div>
          <TouchpointTable lead={lead} />
          <VisitTable lead={lead} />
          <MatchedSales lead={lead} sales={d.sales} canReview={d.canReviewSales} />
          {d.canWrite ? (
            <EditLeadForm
              key={actionData?.intent === 'edit' ? JSON.stringify(actionData.values) : `v${lead.version}`}
              lead={lead}
              consultants={d.consultants}
              values={actionData?.intent === 'edit' ? actionData.values : undefined}
              errors={errorsFor('edit')}
              stale={actionData?.intent === 'edit' ? actionData.stale : null}
            />
          ) : (
            <p className="muted small">{t('leads.detail.readOnly')}</p>
          )}
          {d.canManage ? (
            <section className="card" aria-labelledby="manage-h">
              <h2 id="manage-h">{t('leads.detail.manage')}</h2>
              <MergePanel lead={lead} merge={d.merge} errors={errorsFor('merge')} />
              <ErasePanel lead={lead} confirm={d.confirmErase} errors={errorsFor('erase')} />
            </section>
          ) : null}
        </div>
        <aside>
          <LifecyclePanel lead={lead} moves={d.moves} errors={errorsFor('status')} values={actionData?.intent === 'status' ? actionData.values : {}} />
          <HistoryList lead={lead} />
        </aside>
      </div>
    </>
  )
}
