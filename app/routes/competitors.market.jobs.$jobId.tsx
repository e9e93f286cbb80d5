import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { JobActions } from '../components/job-actions'
import { ImportJobCard } from '../components/job-progress'
import type { MessageKey } from '../i18n'
import { MarketJobActionSchema } from '../schemas/market'
import { canActOnJob, cancelJob, retryJob } from '../services/jobs.server'
import { requireMarketImporter } from '../services/market-import-job.server'
import { getMarketImportJob } from '../services/market.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { badFields } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

/**
 * A market-data import while it runs: its progress bar (the page may be closed and opened
 * again), why it failed and a retry, or — once done — on to the import's summary.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getMarketImportJob(user, params.jobId ?? '')
  if (found.importId) throw redirect(`/competitors/market/imports/${found.importId}?notice=${found.reused ? 'again' : 'done'}`)
  return { ...found, canManage: canActOnJob(user, found.job) }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getMarketImportJob(user, params.jobId ?? '')
  requireMarketImporter(user, found.job.storeId)
  const form = await readMutationForm(request)
  const parsed = MarketJobActionSchema.safeParse({ intent: form.get('intent') ?? undefined })
  if (!parsed.success) badFields(request, parsed.error, user)
  if (parsed.data.intent === 'retry') await retryJob(user, found.job.id, clientIp(request))
  else await cancelJob(user, found.job.id, clientIp(request))
  return redirect(`/competitors/market/jobs/${found.job.id}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'market.job.title')

export default function MarketImportJobPage() {
  const d = useLoaderData<typeof loader>()
  const { t } = useI18n()
  const { job } = d
  const error = job.error
  const errorParams = { ...error?.params }
  if (typeof errorParams.field === 'string') errorParams.field = t(`market.field.${errorParams.field}` as MessageKey)
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / <Link to="/competitors/market">{t('market.title')}</Link> /{' '}
        <span className="break-all">{d.fileName}</span>
      </div>
      <div className="page-head">
        <h1>{t('market.job.title')}</h1>
        <div className="actions">
          <JobActions status={job.status} canManage={d.canManage} retryLabel={t('market.job.retry')} />
        </div>
      </div>
      {error ? (
        <div className="alert alert-danger" role="alert">
          {t('market.job.failed')} {t(error.key as MessageKey, errorParams)}
        </div>
      ) : null}
      <ImportJobCard job={job} fileName={d.fileName} storeName={d.storeName} createdBy={d.createdBy} timeZone={d.timeZone} next={t('market.job.next')} />
    </>
  )
}
