import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { JobActions } from '../components/job-actions'
import { ImportJobCard } from '../components/job-progress'
import type { MessageKey } from '../i18n'
import { LEAD_FIELDS, type LeadField } from '../schemas/lead-import'
import { SalesJobActionSchema as JobActionSchema } from '../schemas/sales'
import { canActOnJob, cancelJob, retryJob } from '../services/jobs.server'
import { getLeadImportJob } from '../services/lead-import-job.server'
import { requireStoreAccess, requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { badFields } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

/**
 * A lead-platform import while it runs (ADR 019): its progress bar — the page may be closed
 * and opened again — why it failed and a retry, or, once done, on to the import's summary.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  const found = await getLeadImportJob(user, params.jobId ?? '')
  if (found.importId) throw redirect(`/imports/${found.importId}?notice=${found.reused ? 'again' : 'done'}`)
  return { ...found, canManage: canActOnJob(user, found.job) }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  const found = await getLeadImportJob(user, params.jobId ?? '')
  requireStoreAccess(user, found.job.storeId, 'write')
  const form = await readMutationForm(request)
  const parsed = JobActionSchema.safeParse({ intent: form.get('intent') ?? undefined })
  if (!parsed.success) badFields(request, parsed.error, user)
  if (parsed.data.intent === 'retry') await retryJob(user, found.job.id, clientIp(request))
  else await cancelJob(user, found.job.id, clientIp(request))
  return redirect(`/imports/jobs/${found.job.id}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'imports.job.title')

export default function LeadImportJobPage() {
  const d = useLoaderData<typeof loader>()
  const { t } = useI18n()
  const { job } = d
  const error = job.error
  const errorParams = { ...error?.params }
  if (typeof errorParams.field === 'string' && (LEAD_FIELDS as readonly string[]).includes(errorParams.field)) {
    errorParams.field = t(`imports.field.${errorParams.field as LeadField}`)
  }
  return (
    <>
      <div className="breadcrumb">
        <Link to="/imports">{t('imports.title')}</Link> / {d.fileName}
      </div>
      <div className="page-head">
        <h1>{t('imports.job.title')}</h1>
        <div className="actions">
          <JobActions status={job.status} canManage={d.canManage} retryLabel={t('imports.job.retry')} />
        </div>
      </div>
      {error ? (
        <div className="alert alert-danger" role="alert">
          {t('imports.job.failed')} {t(error.key as MessageKey, errorParams)}{' '}
          {d.failedImportId ? <Link to={`/imports/${d.failedImportId}`}>{t('imports.job.seeImport')}</Link> : null}
        </div>
      ) : null}
      <ImportJobCard job={job} fileName={d.fileName} storeName={d.storeName} createdBy={d.createdBy} timeZone={d.timeZone} next={t('imports.job.next')} />
    </>
  )
}
