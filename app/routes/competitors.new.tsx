import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { ObservationForm } from '../components/observation-form'
import { createObservation, knownBrandsAndModels } from '../services/competitors.server'
import { parseObservation, readObservationForm } from '../services/observation-form.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import type { FieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:write')
  const stores = user.stores.filter((s) => canWriteStore(user, s.id))
  return {
    stores: stores.map(({ id, name }) => ({ id, name })),
    suggestions: await knownBrandsAndModels(user),
    // seen today at a rival's showroom: the common case, one tap less on a phone
    values: { storeId: stores[0]?.id ?? '', seenAt: 'store', seenOn: storeToday(user.stores) },
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:write')
  const form = await readObservationForm(request)
  if (form.kind === 'too-large') return data({ values: form.values, errors: { photo: 'competitors.validation.photoTooLarge' } as FieldErrors }, { status: 413 })
  const parsed = parseObservation(user, form.values)
  if (!parsed.ok) return data({ values: form.values, errors: parsed.errors }, { status: 400 })
  const result = await createObservation(user, parsed.input, form.photo, clientIp(request))
  if (!result.ok) return data({ values: form.values, errors: { photo: 'competitors.validation.photo' } as FieldErrors }, { status: 400 })
  return redirect(`/competitors?notice=created`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.new')

export default function NewObservation() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / {t('competitors.newShort')}
      </div>
      <h1>{t('competitors.new')}</h1>
      <ObservationForm values={a?.values ?? d.values} errors={a?.errors ?? {}} stores={d.stores} suggestions={d.suggestions} submitLabel={t('competitors.record')} cancelHref="/competitors" />
    </>
  )
}
