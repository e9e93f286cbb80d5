import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { StoreForm, type StoreFormValues } from '../components/store-form'
import { StoreSchema } from '../schemas/store'
import { getManagedStore, updateStore } from '../services/stores.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeChoices } from '../utils/store-choices.server'
import { resolveLocale } from '../utils/i18n.server'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'store:manage')
  const { id, name, brand, city, address, hotline, timeZone, currency, matchbackWindowDays, attributionLookbackDays } = await getManagedStore(admin, params.storeId!)
  return { id, choices: storeChoices(resolveLocale(request, admin.locale)), values: { name, brand, city, address, hotline, timeZone, currency, matchbackWindowDays: String(matchbackWindowDays), attributionLookbackDays: String(attributionLookbackDays) } }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'store:manage')
  await getManagedStore(admin, params.storeId!)
  const values = formToObject(await readMutationForm(request)) as StoreFormValues
  const parsed = StoreSchema.safeParse(values)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  await updateStore(admin, params.storeId!, parsed.data, clientIp(request))
  return redirect('/admin/stores?notice=updated')
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'stores.edit')

export default function EditStore() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/admin/stores">{t('stores.title')}</Link> / {d.values.name}
      </div>
      <h1>{t('stores.edit')}</h1>
      <StoreForm choices={d.choices} values={a?.values ?? d.values} errors={a?.errors ?? {}} submitLabel={t('common.save')} />
    </>
  )
}
