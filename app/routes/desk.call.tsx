import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { CsrfInput } from '../components/csrf-input'
import { DeskStorePicker } from '../components/desk-store-picker'
import { SelectField, TextAreaField, TextField, useChannelOptions } from '../components/lead-fields'
import { CallSchema, DeskFormQuerySchema } from '../schemas/lead'
import { deskChoices, deskStores, recordCall } from '../services/front-desk.server'
import { canSeeFullPhone } from '../services/leads.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { parseQuery } from '../utils/input.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp, forbidden } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { utcToZonedLocal } from '../utils/zoned-time'
import { FormErrors } from '../components/form-errors'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:write')
  const query = parseQuery(request, DeskFormQuerySchema, user)
  const stores = deskStores(user, 'write')
  const store = stores.find((s) => s.id === query.store) ?? stores[0]
  if (!store) forbidden('You keep no store’s front desk.')
  return {
    store: { id: store.id, name: store.name },
    stores: stores.map((s) => ({ id: s.id, name: s.name })),
    ...(await deskChoices(store.id)),
    values: { storeId: store.id, at: utcToZonedLocal(new Date(), store.timeZone) } as Record<string, string>,
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:write')
  const form = await readMutationForm(request)
  const values = formToObject(form) as Record<string, string>
  const parsed = CallSchema.safeParse(values)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  const result = await recordCall(user, parsed.data, clientIp(request))
  if (!result.ok && result.reason === 'throttled') {
    return data({ values, errors: { _form: `desk.phoneThrottled?seconds=${result.retryAfter}` } }, { status: 429, headers: { 'Retry-After': String(result.retryAfter) } })
  }
  if (!result.ok) return data({ values, errors: { [result.field]: result.message } }, { status: 400 })
  // the lead a call joined tells whether the number was known: only a role that sees full phones gets the link (SPEC §8)
  const lead = canSeeFullPhone(user) ? `&lead=${result.leadId}` : ''
  return redirect(`/desk?store=${parsed.data.storeId}&notice=call${lead}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'desk.call')

export default function Call() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const { t } = useI18n()
  const channels = useChannelOptions()
  const busy = useNavigation().state === 'submitting'
  const values = actionData?.values ?? d.values
  const errors = actionData?.errors ?? {}
  return (
    <div className="desk">
      <div className="breadcrumb">
        <Link to={`/desk?store=${d.store.id}`}>{t('desk.title')}</Link> / {t('desk.call')}
      </div>
      <h1>{t('desk.call')}</h1>
      <DeskStorePicker stores={d.stores} current={d.store} />
      <FormErrors errors={errors} />
      <Form method="post" className="card desk-form" noValidate key={actionData ? JSON.stringify(actionData.values) : 'initial'}>
        <CsrfInput />
        <input type="hidden" name="storeId" value={d.store.id} />
        <TextField name="name" label={t('leads.field.name')} values={values} errors={errors} autoComplete="off" />
        <TextField name="phone" label={t('leads.field.phone')} type="tel" inputMode="tel" values={values} errors={errors} required maxLength={20} />
        <SelectField name="channel" label={t('desk.field.channel')} values={values} errors={errors} options={channels} empty={t('leads.choose')} />
        <SelectField name="campaignId" label={t('desk.field.campaign')} values={values} errors={errors} options={d.campaigns} empty={t('common.none')} optional />
        <TextField name="modelOfInterest" label={t('leads.field.model')} values={values} errors={errors} optional />
        <TextField name="at" label={t('desk.field.callAt')} type="datetime-local" values={values} errors={errors} hint={t('desk.field.nowHint')} />
        <TextField name="durationMinutes" label={t('desk.field.duration')} type="number" inputMode="numeric" values={values} errors={errors} optional />
        <TextAreaField name="note" label={t('leads.field.note')} values={values} errors={errors} optional rows={2} />
        <button type="submit" className="btn btn-primary btn-lg btn-block" disabled={busy}>
          {t('desk.submitCall')}
        </button>
      </Form>
    </div>
  )
}
