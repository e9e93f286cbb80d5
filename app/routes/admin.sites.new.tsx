import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { SiteForm, type SiteFormValues } from '../components/site-form'
import { SiteSchema } from '../schemas/site'
import { createSite } from '../services/sites.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'site:manage')
  return { stores: user.stores.map(({ id, name }) => ({ id, name })) }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'site:manage')
  const raw = formToObject(await readMutationForm(request))
  const values: SiteFormValues = { storeId: String(raw.storeId ?? ''), name: String(raw.name ?? ''), origins: String(raw.origins ?? ''), active: raw.active === 'on' }
  const parsed = SiteSchema.safeParse(raw)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  const id = await createSite(user, parsed.data, clientIp(request))
  return redirect(`/admin/sites/${id}?notice=created`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sites.new')

export default function NewSite() {
  const { stores } = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const { t } = useI18n()
  return (
    <>
      <div className="breadcrumb">
        <Link to="/admin/sites">{t('sites.title')}</Link> / {t('sites.new')}
      </div>
      <h1>{t('sites.new')}</h1>
      <SiteForm values={a?.values ?? { active: true }} errors={a?.errors ?? {}} stores={stores} submitLabel={t('sites.create')} />
    </>
  )
}
