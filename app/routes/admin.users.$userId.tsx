import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { UserForm } from '../components/user-form'
import { userFormValues } from '../schemas/users'
import { getManagedUser, isUniqueViolation, updateUser, validateUserForm } from '../services/users.server'
import { requireUserWithPermission, type SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, type FieldErrors } from '../utils/form'
import { clientIp, notFound } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

/** 404, not 403, for a user outside the admin's stores: do not confirm that they exist. */
async function requireManagedUser(admin: SessionUser, userId: string | undefined) {
  const user = userId ? await getManagedUser(admin, userId) : null
  return user ?? notFound()
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'user:manage')
  const user = await requireManagedUser(admin, params.userId)
  const mine = new Set(admin.stores.map((s) => s.id))
  return {
    user: { ...user, storeIds: user.storeIds.filter((id) => mine.has(id)) },
    outsideStores: user.storeIds.filter((id) => !mine.has(id)).length,
    isSelf: user.id === admin.id,
    stores: admin.stores.map(({ id, name }) => ({ id, name })),
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const admin = await requireUserWithPermission(request, 'user:manage')
  const raw = formToObject(await readMutationForm(request))
  const user = await requireManagedUser(admin, params.userId)
  const refuse = (errors: FieldErrors) => data({ errors, values: userFormValues(raw) }, { status: 400 })
  const { input, errors } = await validateUserForm(admin, raw, user)
  if (errors) return refuse(errors)
  try {
    await updateUser(admin, user, input, clientIp(request))
  } catch (error) {
    if (isUniqueViolation(error)) return refuse({ email: 'validation.emailTaken' })
    throw error
  }
  return redirect('/admin/users?notice=updated')
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'users.edit')

export default function EditUser() {
  const { t } = useI18n()
  const { user, outsideStores, isSelf, stores } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  return (
    <>
      <nav className="breadcrumb" aria-label="breadcrumb">
        <Link to="/admin/users">{t('users.title')}</Link>
      </nav>
      <div className="page-head">
        <h1>
          {t('users.edit')} · {user.name}
        </h1>
      </div>
      <UserForm
        mode="edit"
        stores={stores}
        values={result?.values ?? user}
        errors={result?.errors ?? {}}
        outsideStores={outsideStores}
        isSelf={isSelf}
      />
    </>
  )
}
