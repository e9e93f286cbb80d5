import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { CsrfInput } from '../components/csrf-input'
import { DeskStorePicker } from '../components/desk-store-picker'
import { FormField, SelectField, TextAreaField, TextField, useChannelOptions } from '../components/lead-fields'
import { DeskFormQuerySchema, WalkInSchema } from '../schemas/lead'
import { deskChoices, deskStores, lookupVisitor, recordWalkIn, type VisitorLookup } from '../services/front-desk.server'
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

type Lookup = VisitorLookup | null

/** 429 with Retry-After when the user has looked up too many numbers. */
const throttledInit = (retryAfter: number) => ({ status: 429, headers: { 'Retry-After': String(retryAfter) } })
const lookupInit = (lookup: Lookup) => (lookup?.kind === 'throttled' ? throttledInit(lookup.retryAfter) : undefined)

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:write')
  const query = parseQuery(request, DeskFormQuerySchema, user)
  const stores = deskStores(user, 'write')
  const store = stores.find((s) => s.id === query.store) ?? stores[0]
  if (!store) forbidden('You keep no store’s front desk.')
  const phone = query.phone ?? ''
  const [choices, lookup] = await Promise.all([deskChoices(store.id), phone ? lookupVisitor(user, store.id, phone) : null])
  return data(
    {
      store: { id: store.id, name: store.name },
      stores: stores.map((s) => ({ id: s.id, name: s.name })),
      ...choices,
      lookup,
      // only roles that see full phones are told whether a number is known: the form offers them the check
      canCheck: canSeeFullPhone(user),
      values: { storeId: store.id, arrivedAt: utcToZonedLocal(new Date(), store.timeZone), partySize: '1', phone } as Record<string, string>,
    },
    lookupInit(lookup),
  )
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:write')
  const form = await readMutationForm(request)
  const values = formToObject(form) as Record<string, string>
  if (form.get('intent') === 'check') {
    // without JavaScript, "check number" posts the form: answer with the suggestion, save nothing
    const lookup: Lookup = values.phone && values.storeId ? await lookupVisitor(user, values.storeId, values.phone) : null
    if (lookup?.kind === 'known' && lookup.visits > 0 && !values.visitType) values.visitType = 'return'
    return data({ values, errors: {} as Record<string, string>, lookup }, lookupInit(lookup))
  }
  const parsed = WalkInSchema.safeParse(values)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error), lookup: null as Lookup }, { status: 400 })
  const result = await recordWalkIn(user, parsed.data, clientIp(request))
  if (!result.ok && result.reason === 'throttled') {
    return data({ values, errors: { _form: `desk.phoneThrottled?seconds=${result.retryAfter}` }, lookup: null as Lookup }, throttledInit(result.retryAfter))
  }
  if (!result.ok) return data({ values, errors: { [result.field]: result.message }, lookup: null as Lookup }, { status: 400 })
  const back = new URLSearchParams({ store: parsed.data.storeId, notice: 'walk-in' })
  // the visit type the desk decided and the lead the visit joined tell whether the number was
  // known: only a role that may see full phones is told (SPEC §8)
  if (canSeeFullPhone(user)) {
    back.set('type', result.visitType ?? 'first')
    back.set('lead', result.leadId)
  }
  return redirect(`/desk?${back}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'desk.walkIn')

function LookupNote({ lookup }: { lookup: Lookup | undefined }) {
  const { t } = useI18n()
  if (!lookup) return null
  if (lookup.kind === 'throttled') return <p className="alert alert-danger small">{t('desk.phoneThrottled', { seconds: lookup.retryAfter })}</p>
  const text =
    lookup.kind === 'hidden'
      ? t('desk.lookupHidden')
      : lookup.kind === 'new'
        ? t('desk.unknown')
        : lookup.visits > 0
          ? t('desk.known', { name: lookup.name || t('leads.noName'), visits: lookup.visits })
          : t('desk.knownNoVisit', { name: lookup.name || t('leads.noName') })
  return <p className="alert alert-info small">{text}</p>
}

export default function WalkIn() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const fetcher = useFetcher<typeof loader>()
  const { t } = useI18n()
  const channels = useChannelOptions()
  const busy = useNavigation().state === 'submitting'
  const values = actionData?.values ?? d.values
  const errors = actionData?.errors ?? {}
  const lookup = fetcher.data?.lookup ?? actionData?.lookup ?? d.lookup
  const [visitType, setVisitType] = useState(values.visitType ?? '')
  // with JavaScript the number is checked as soon as it is typed: a known visitor is a return visit
  useEffect(() => {
    if (lookup?.kind === 'known' || lookup?.kind === 'new') setVisitType(lookup.suggestion)
  }, [lookup])
  const checkPhone = (phone: string) => {
    if (d.canCheck && phone.replace(/\D/g, '').length >= 11) fetcher.load(`/desk/walk-in?store=${d.store.id}&phone=${encodeURIComponent(phone)}`)
  }
  return (
    <div className="desk">
      <div className="breadcrumb">
        <Link to={`/desk?store=${d.store.id}`}>{t('desk.title')}</Link> / {t('desk.walkIn')}
      </div>
      <h1>{t('desk.walkIn')}</h1>
      <DeskStorePicker stores={d.stores} current={d.store} />
      <FormErrors errors={errors} />
      <Form method="post" className="card desk-form" noValidate key={actionData ? JSON.stringify(actionData.values) : 'initial'}>
        <CsrfInput />
        <input type="hidden" name="storeId" value={d.store.id} />
        <TextField name="name" label={t('leads.field.name')} values={values} errors={errors} autoComplete="off" />
        <FormField name="phone" label={t('leads.field.phone')} errors={errors} hint={t('desk.field.phoneHint')} optional>
          {(p) => (
            <div className="input-row">
              <input
                {...p}
                type="tel"
                inputMode="tel"
                autoComplete="off"
                maxLength={20}
                defaultValue={values.phone ?? ''}
                onBlur={(e) => checkPhone(e.currentTarget.value)}
              />
              {d.canCheck ? (
                <button type="submit" name="intent" value="check" className="btn" formNoValidate>
                  {t('desk.checkPhone')}
                </button>
              ) : null}
            </div>
          )}
        </FormField>
        <div aria-live="polite">
          <LookupNote lookup={lookup} />
        </div>
        <FormField name="visitType" label={t('desk.field.visitType')} errors={errors}>
          {(p) => (
            <select {...p} value={visitType} onChange={(e) => setVisitType(e.currentTarget.value)}>
              <option value="">{t('desk.visitAuto')}</option>
              <option value="first">{t('leads.visitType.first')}</option>
              <option value="return">{t('leads.visitType.return')}</option>
            </select>
          )}
        </FormField>
        <SelectField name="channel" label={t('desk.field.channel')} values={values} errors={errors} options={channels} empty={t('leads.choose')} />
        <SelectField name="campaignId" label={t('desk.field.campaign')} values={values} errors={errors} options={d.campaigns} empty={t('common.none')} optional />
        <TextField name="arrivedAt" label={t('desk.field.arrivedAt')} type="datetime-local" values={values} errors={errors} hint={t('desk.field.nowHint')} />
        <TextField name="partySize" label={t('desk.field.partySize')} type="number" inputMode="numeric" values={values} errors={errors} />
        <SelectField name="consultantId" label={t('leads.field.consultant')} values={values} errors={errors} options={d.consultants} empty={t('desk.unassigned')} optional />
        <TextField name="modelOfInterest" label={t('leads.field.model')} values={values} errors={errors} optional />
        <div className="field">
          <label className="check check-lg">
            <input type="checkbox" name="testDrive" defaultChecked={values.testDrive === 'on'} />
            {t('desk.field.testDrive')}
          </label>
        </div>
        <TextAreaField name="note" label={t('leads.field.note')} values={values} errors={errors} optional rows={2} />
        <button type="submit" className="btn btn-primary btn-lg btn-block" disabled={busy}>
          {t('desk.submitWalkIn')}
        </button>
      </Form>
    </div>
  )
}
