import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { LEAD_GRADES } from '../../db/schema/enums'
import { CsrfInput } from '../components/csrf-input'
import { SelectField, TextAreaField, TextField, useChannelOptions } from '../components/lead-fields'
import { ManualLeadSchema } from '../schemas/lead'
import { createLeadManually, listConsultants, listLeadCampaigns } from '../services/leads.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors, type FieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { FormErrors } from '../components/form-errors'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:write')
  const stores = user.stores.filter((s) => canWriteStore(user, s.id))
  const ids = stores.map((s) => s.id)
  const [campaigns, consultants] = await Promise.all([listLeadCampaigns(ids), listConsultants(ids)])
  const several = stores.length > 1
  const storeName = (id: string) => (several ? ` · ${stores.find((s) => s.id === id)?.name ?? ''}` : '')
  return {
    stores: stores.map((s) => ({ value: s.id, label: s.name })),
    campaigns: campaigns.map((c) => ({ value: c.id, label: c.name + storeName(c.storeId) })),
    consultants: consultants.map((c) => ({ value: c.id, label: c.name + storeName(c.storeId) })),
    values: { storeId: stores[0]?.id ?? '' } as Record<string, string>,
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:write')
  const form = await readMutationForm(request)
  const values = formToObject(form) as Record<string, string>
  const parsed = ManualLeadSchema.safeParse(values)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  const result = await createLeadManually(user, parsed.data, clientIp(request))
  if (!result.ok && result.reason === 'throttled') {
    const errors: FieldErrors = { _form: `desk.phoneThrottled?seconds=${result.retryAfter}` }
    return data({ values, errors }, { status: 429, headers: { 'Retry-After': String(result.retryAfter) } })
  }
  if (!result.ok) {
    const errors: FieldErrors = result.reason === 'field' ? { [result.field]: result.message } : { _form: 'validation.invalid' }
    return data({ values, errors }, { status: 400 })
  }
  return redirect(`/leads/${result.leadId}?notice=${result.created ? 'created' : 'matched'}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'leads.new')

export default function NewLead() {
  const loaderData = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const { t } = useI18n()
  const channels = useChannelOptions()
  const busy = useNavigation().state === 'submitting'
  const values = actionData?.values ?? loaderData.values
  const errors = actionData?.errors ?? {}
  return (
    <>
      <div className="breadcrumb">
        <Link to="/leads">{t('leads.title')}</Link> / {t('leads.new')}
      </div>
      <div className="page-head">
        <h1>{t('leads.new')}</h1>
      </div>
      <FormErrors errors={errors} />
      <Form method="post" className="card form-narrow" noValidate>
        <CsrfInput />
        <p className="muted small">{t('leads.newHint')}</p>
        {loaderData.stores.length > 1 ? (
          <SelectField name="storeId" label={t('common.store')} values={values} errors={errors} options={loaderData.stores} />
        ) : (
          <input type="hidden" name="storeId" value={loaderData.stores[0]?.value ?? ''} />
        )}
        <TextField name="name" label={t('leads.field.name')} values={values} errors={errors} autoComplete="off" />
        <TextField
          name="phone"
          label={t('leads.field.phone')}
          type="tel"
          inputMode="tel"
          values={values}
          errors={errors}
          hint={t('leads.field.phoneHintManual')}
          required
          maxLength={20}
        />
        <SelectField name="channel" label={t('leads.field.channel')} values={values} errors={errors} options={channels} empty={t('leads.choose')} />
        <SelectField name="campaignId" label={t('leads.field.campaign')} values={values} errors={errors} options={loaderData.campaigns} empty={t('common.none')} optional />
        <TextField name="modelOfInterest" label={t('leads.field.model')} values={values} errors={errors} optional />
        <TextField name="city" label={t('leads.field.city')} values={values} errors={errors} optional />
        <SelectField
          name="grade"
          label={t('leads.field.grade')}
          values={values}
          errors={errors}
          options={LEAD_GRADES.map((g) => ({ value: g, label: t(`leads.grade.${g}`) }))}
          empty="—"
          optional
        />
        <SelectField name="consultantId" label={t('leads.field.consultant')} values={values} errors={errors} options={loaderData.consultants} empty={t('desk.unassigned')} optional />
        <TextField name="at" label={t('leads.field.at')} type="datetime-local" values={values} errors={errors} hint={t('leads.field.atHint')} optional />
        <TextAreaField name="note" label={t('leads.field.note')} values={values} errors={errors} optional />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary btn-lg" disabled={busy}>
            {t('leads.newSubmit')}
          </button>
          <Link to="/leads" className="btn btn-ghost btn-lg">
            {t('common.cancel')}
          </Link>
        </div>
      </Form>
    </>
  )
}
