import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { CsrfInput } from '../components/csrf-input'
import { FieldError } from '../components/field-error'
import type { MessageKey } from '../i18n'
import { TrackingLinkSchema } from '../schemas/tracking-link'
import { getLinkForEdit, publicOrigin, shortUrlFor, updateLink } from '../services/tracking-links.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { FormErrors } from '../components/form-errors'

type Values = Partial<Record<'destinationUrl' | 'utmSource' | 'utmMedium' | 'utmCampaign' | 'utmContent' | 'active', string>>

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'link:manage')
  const { link, campaignName, medium, platform } = await getLinkForEdit(user, params.campaignId!, params.linkId!)
  const { destinationUrl, utmSource, utmMedium, utmCampaign, utmContent, active } = link
  return {
    campaign: { id: link.campaignId, name: campaignName },
    placement: medium ? { medium, platform: platform ?? '' } : null,
    shortUrl: shortUrlFor(publicOrigin(request), link.code),
    values: { destinationUrl, utmSource, utmMedium, utmCampaign, utmContent, active: active ? 'on' : '' } as Values,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'link:manage')
  const form = await readMutationForm(request)
  // scope first: a stranger learns nothing from validation errors
  await getLinkForEdit(user, params.campaignId!, params.linkId!)
  const values = formToObject(form) as Values
  const parsed = TrackingLinkSchema.safeParse(values)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  await updateLink(user, params.campaignId!, params.linkId!, parsed.data, clientIp(request))
  return redirect(`/campaigns/${params.campaignId}?notice=link#tracking-links`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'links.editTitle')

const UTM_FIELDS: Array<[keyof Values, MessageKey, string]> = [
  ['utmSource', 'links.utmSource', 'utm_source'],
  ['utmMedium', 'links.utmMedium', 'utm_medium'],
  ['utmCampaign', 'links.utmCampaign', 'utm_campaign'],
  ['utmContent', 'links.utmContent', 'utm_content'],
]

export default function EditTrackingLink() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const values = a?.values ?? d.values
  const errors: Record<string, string> = a?.errors ?? {}
  const invalid = (name: string) => (errors[name] ? { 'aria-invalid': true as const, 'aria-describedby': `${name}-error` } : {})
  return (
    <>
      <div className="breadcrumb">
        <Link to={`/campaigns/${d.campaign.id}`}>{d.campaign.name}</Link> / {t('links.title')}
      </div>
      <h1>{t('links.editTitle')}</h1>
      <p className="muted">
        {d.placement
          ? `${t(`medium.${d.placement.medium}` as MessageKey)}${d.placement.platform ? ` · ${d.placement.platform}` : ''}`
          : t('links.placementRemoved')}{' '}
        · <span className="break-all">{d.shortUrl}</span>
      </p>
      <Form method="post" noValidate className="card">
        <CsrfInput />
        <FormErrors errors={errors} />
        <div className="field">
          <label htmlFor="destinationUrl">{t('links.destinationUrl')}</label>
          <input
            id="destinationUrl"
            name="destinationUrl"
            type="text"
            inputMode="url"
            placeholder="https://"
            defaultValue={values.destinationUrl}
            aria-invalid={errors.destinationUrl ? true : undefined}
            aria-describedby={`destinationUrl-hint${errors.destinationUrl ? ' destinationUrl-error' : ''}`}
          />
          <span className="hint" id="destinationUrl-hint">
            {t('links.destinationEditHint')}
          </span>
          <FieldError id="destinationUrl-error" message={errors.destinationUrl} />
        </div>
        {/* the tracking parameters are for whoever tags ads: folded away unless one of them needs fixing */}
        <details open={UTM_FIELDS.some(([name]) => errors[name]) || undefined}>
          <summary>{t('links.utm')}</summary>
          <p className="hint">{t('links.utmHint')}</p>
        <fieldset>
          <legend className="visually-hidden">{t('links.utm')}</legend>
          <div className="grid grid-2">
            {UTM_FIELDS.map(([name, label, param]) => (
              <div className="field" key={name}>
                <label htmlFor={name}>
                  {t(label)} <code className="muted small">{param}</code>
                </label>
                <input id={name} name={name} type="text" maxLength={100} defaultValue={values[name]} {...invalid(name)} />
                <FieldError id={`${name}-error`} message={errors[name]} />
              </div>
            ))}
          </div>
        </fieldset>
        </details>
        <div className="field">
          <label className="check" htmlFor="active">
            <input id="active" name="active" type="checkbox" defaultChecked={values.active === 'on'} aria-describedby="active-hint" />
            {t('links.active')}
          </label>
          <span className="hint" id="active-hint">
            {t('links.activeHint')}
          </span>
        </div>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {t('common.save')}
          </button>
          <Link to={`/campaigns/${d.campaign.id}#tracking-links`} className="btn btn-ghost">
            {t('common.cancel')}
          </Link>
        </div>
      </Form>
    </>
  )
}
