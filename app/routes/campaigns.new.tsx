import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { useActionData, useLoaderData } from '@remix-run/react'
import { CampaignForm } from '../components/campaign-form'
import { planFormChoices, readPlanForm } from '../services/campaign-form.server'
import { createCampaign } from '../services/campaigns.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:write')
  const choices = await planFormChoices(user)
  return {
    ...choices,
    values: {
      storeId: user.stores[0]?.id,
      ownerId: user.role === 'specialist' ? user.id : '',
      // form and dates start empty: a value already filled in is a value nobody chose
      form: '',
      startDate: '',
      endDate: '',
      purposes: [],
      tasks: [],
      placements: [],
      promotions: [],
      budgetLines: [],
    },
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:write')
  const form = await readMutationForm(request)
  const outcome = readPlanForm(form)
  if (outcome.kind === 'rerender') {
    const status = Object.keys(outcome.errors).length ? 400 : 200
    return data({ values: outcome.values, errors: outcome.errors, rev: Date.now() }, { status })
  }
  const result = await createCampaign(user, outcome.input, clientIp(request))
  if (!result.ok) {
    const errors = result.reason === 'field' ? { [result.field]: result.message } : { _form: 'validation.invalid' }
    return data({ values: outcome.values, errors, rev: Date.now() }, { status: 400 })
  }
  return redirect(`/campaigns/${result.id}?notice=created`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'campaigns.new')

export default function NewCampaign() {
  const loaderData = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <a href="/campaigns">{t('campaigns.title')}</a> / {t('campaigns.new')}
      </div>
      <div className="page-head">
        <h1>{t('campaigns.new')}</h1>
      </div>
      <CampaignForm
        key={actionData?.rev ?? 'initial'}
        values={actionData?.values ?? loaderData.values}
        errors={actionData?.errors ?? {}}
        stores={loaderData.stores}
        owners={loaderData.owners}
        submitLabel={t('campaign.create')}
        cancelHref="/campaigns"
      />
    </>
  )
}
