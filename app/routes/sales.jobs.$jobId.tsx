import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { JobActions } from '../components/job-actions'
import { ImportJobCard } from '../components/job-progress'
import type { MessageKey } from '../i18n'
import { SalesJobActionSchema } from '../schemas/sales'
import { canActOnJob, cancelJob, retryJob } from '../services/jobs.server'
import { requireSalesImporter } from '../services/sales-import-form.server'
import { getSalesImportJob } from '../services/sales.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { badFields } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

/**
 * A sales import while it runs: its progress bar (the page may be closed and opened again),
 * why it failed and a retry, or — once done — on to the import's summary.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'sales:read')
  const found = await getSalesImportJob(user, params.jobId ?? '')
  if (found.importId) throw redirect(`/sales/imports/${found.importId}?notice=${found.reused ? 'again' : 'done'}`)
  return { ...found, canManage: canActOnJob(user, found.job) }
}

export async function action({ request, params }: ActionFunctionArgs) {
  // cancelling or re-running an import is importing: the readers of sales data (executives) may not
  const user = await requireUserWithPermission(request, 'sales:import')
  const found = await getSalesImportJob(user, params.jobId ?? '')
  requireSalesImporter(user, found.job.storeId)
  const form = await readMutationForm(request)
  const parsed = SalesJobActionSchema.safeParse({ intent: form.get('intent') ?? undefined })
  if (!parsed.success) badFields(request, parsed.error, user)
  if (parsed.data.intent === 'retry') await retryJob(user, found.job.id, clientIp(request))
  else await cancelJob(user, found.job.id, clientIp(request))
  return redirect(`/sales/jobs/${found.job.id}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sales.job.title')

export default function SalesImportJobPage() {
  const d = useLoaderData<typeof loader>()
  const { t } = useI18n()
  const { job } = d
  const error = job.error
  const errorParams = { ...error?.params }
  if (typeof errorParams.field === 'string') errorParams.field = t(`sales.field.${errorParams.field}` as MessageKey)
  return (
    <>
      <div className="breadcrumb">
        <Link to="/sales">{t('sales.title')}</Link> / <Link to="/sales/import">{t('sales.import.title')}</Link> / {d.fileName}
      </div>
      <div className="page-head">
        <h1>{t('sales.job.title')}</h1>
        <div className="actions">
          <JobActions status={job.status} canManage={d.canManage} retryLabel={t('sales.job.retry')} />
        </div>
      </div>
      {error ? (
        <div className="alert alert-danger" role="alert">
          {t('sales.job.failed')} {t(error.key as MessageKey, errorParams)}
        </div>
      ) : null}
      <ImportJobCard job={job} fileName={d.fileName} storeName={d.storeName} createdBy={d.createdBy} timeZone={d.timeZone} next={t('sales.job.next')} />
    </>
  )
}
