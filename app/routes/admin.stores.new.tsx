import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { StoreForm, type StoreFormValues } from '../components/store-form'
import { StoreSchema } from '../schemas/store'
import { createStore } from '../services/stores.server'
import { adminScope } from '../services/users.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp, forbidden } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'
import { storeChoices } from '../utils/store-choices.server'
import { resolveLocale } from '../utils/i18n.server'

async function requireGroupAdmin(request: Request) {
  const admin = await requireUserWithPermission(request, 'store:manage')
  if (!(await adminScope(admin)).wholeGroup) forbidden('Only an administrator of every store of the group can open a store.')
  return admin
}

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requireGroupAdmin(request)
  return { choices: storeChoices(resolveLocale(request, admin.locale)) }
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireGroupAdmin(request)
  const values = formToObject(await readMutationForm(request)) as StoreFormValues
  const parsed = StoreSchema.safeParse(values)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  await createStore(admin, parsed.data, clientIp(request))
  return redirect('/admin/stores?notice=created')
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'stores.new')

export default function NewStore() {
  const a = useActionData<typeof action>()
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/admin/stores">{t('stores.title')}</Link> / {t('stores.new')}
      </div>
      <h1>{t('stores.new')}</h1>
      <StoreForm choices={useLoaderData<typeof loader>().choices} values={a?.values ?? {}} errors={a?.errors ?? {}} submitLabel={t('stores.create')} />
    </>
  )
}
