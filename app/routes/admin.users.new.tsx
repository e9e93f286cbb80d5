import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { UserForm } from '../components/user-form'
import { userFormValues } from '../schemas/users'
import { createUser, isUniqueViolation, validateUserForm } from '../services/users.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, type FieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'user:manage')
  return { stores: admin.stores.map(({ id, name }) => ({ id, name })) }
}

export async function action({ request }: ActionFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'user:manage')
  const raw = formToObject(await readMutationForm(request))
  const refuse = (errors: FieldErrors) => data({ errors, values: userFormValues(raw) }, { status: 400 })
  const { input, errors } = await validateUserForm(admin, raw)
  if (errors) return refuse(errors)
  try {
    await createUser(admin, input, clientIp(request))
  } catch (error) {
    // two admins racing for the same email: the unique index decides
    if (isUniqueViolation(error)) return refuse({ email: 'validation.emailTaken' })
    throw error
  }
  return redirect('/admin/users?notice=created')
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'users.new')

export default function NewUser() {
  const { t } = useI18n()
  const { stores } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const values = result?.values ?? {
    name: '',
    email: '',
    role: 'specialist',
    storeIds: stores.length === 1 ? [stores[0]!.id] : [],
    active: true,
  }
  return (
    <>
      <nav className="breadcrumb" aria-label="breadcrumb">
        <Link to="/admin/users">{t('users.title')}</Link>
      </nav>
      <div className="page-head">
        <h1>{t('users.new')}</h1>
      </div>
      <UserForm mode="create" stores={stores} values={values} errors={result?.errors ?? {}} />
    </>
  )
}
