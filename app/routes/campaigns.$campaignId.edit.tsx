import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { CampaignForm } from '../components/campaign-form'
import { VersionSchema } from '../schemas/campaign'
import { planFormChoices, readPlanForm } from '../services/campaign-form.server'
import { getCampaign, updateCampaign } from '../services/campaigns.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { campaignToFormValues } from '../utils/campaign-form-values'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { badInput } from '../utils/input.server'
import { PLAN_EDITABLE } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:write')
  const campaign = await getCampaign(user, params.campaignId!)
  if (!PLAN_EDITABLE.includes(campaign.status)) throw redirect(`/campaigns/${campaign.id}?notice=not-editable`)
  return {
    ...(await planFormChoices(user)),
    id: campaign.id,
    name: campaign.name,
    version: campaign.version,
    values: campaignToFormValues(campaign),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:write')
  const form = await readMutationForm(request)
  const version = VersionSchema.safeParse(form.get('version'))
  // a hidden field: the form cannot show the problem beside it
  if (!version.success) badInput(request, [{ field: 'version', message: 'validation.invalid' }], user)
  const outcome = readPlanForm(form)
  if (outcome.kind === 'rerender') {
    const status = Object.keys(outcome.errors).length ? 400 : 200
    return data({ values: outcome.values, errors: outcome.errors, version: version.data, stale: null, rev: Date.now() }, { status })
  }
  const result = await updateCampaign(user, params.campaignId!, outcome.input, version.data, clientIp(request))
  if (result.ok) return redirect(`/campaigns/${result.id}?notice=updated`)
  if (result.reason === 'stale') {
    // keep what the user typed on the page; they decide what to keep, then save against the new version
    return data({ values: outcome.values, errors: {}, version: result.version, stale: result.version, rev: Date.now() }, { status: 409 })
  }
  if (result.reason === 'not-editable') throw redirect(`/campaigns/${params.campaignId}?notice=not-editable`)
  return data(
    { values: outcome.values, errors: { [result.field]: result.message }, version: version.data, stale: null, rev: Date.now() },
    { status: 400 },
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Roadshow · ${data?.name ?? ''}` }]

export default function EditCampaign() {
  const loaderData = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const { t } = useI18n()
  const stale = actionData?.stale
  return (
    <>
      <div className="breadcrumb">
        <a href="/campaigns">{t('campaigns.title')}</a> / <a href={`/campaigns/${loaderData.id}`}>{loaderData.name}</a> /{' '}
        {t('campaign.edit')}
      </div>
      <div className="page-head">
        <h1>{t('campaign.edit')}</h1>
      </div>
      <CampaignForm
        key={actionData?.rev ?? 'initial'}
        values={actionData?.values ?? loaderData.values}
        errors={actionData?.errors ?? {}}
        version={actionData?.version ?? loaderData.version}
        stores={loaderData.stores}
        owners={loaderData.owners}
        submitLabel={t('campaign.saveDraft')}
        cancelHref={`/campaigns/${loaderData.id}`}
        notice={
          stale ? (
            <div className="alert alert-warning" role="alert">
              <p>{t('campaign.stale', { version: stale })}</p>
              <a href={`/campaigns/${loaderData.id}`} target="_blank" rel="noreferrer">
                {t('campaign.staleOpenLatest')}
              </a>
            </div>
          ) : null
        }
      />
    </>
  )
}
