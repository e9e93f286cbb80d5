import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { JobActions } from '../components/job-actions'
import { JobProgress } from '../components/job-progress'
import type { MessageKey } from '../i18n'
import { NoticeQuerySchema } from '../schemas/fields'
import { canActOnJob, cancelJob, getJob, retryJob, toJobView } from '../services/jobs.server'
import { requireUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { clientIp } from '../utils/http.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const job = await getJob(user, params.jobId ?? '')
  const { notice } = parseQuery(request, NoticeQuerySchema, user)
  const store = user.stores.find((s) => s.id === job.storeId)
  return {
    job: toJobView(job, user),
    timeZone: store?.timeZone,
    canManage: canActOnJob(user, job),
    notice: notice === 'retried' || notice === 'cancelRequested' ? (notice as 'retried' | 'cancelRequested') : null,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const form = await readMutationForm(request)
  const intent = form.get('intent')
  if (intent === 'retry') {
    const job = await retryJob(user, params.jobId ?? '', clientIp(request))
    return redirect(`/jobs/${job.id}?notice=retried`)
  }
  if (intent === 'cancel') {
    const job = await cancelJob(user, params.jobId ?? '', clientIp(request))
    return redirect(`/jobs/${job.id}?notice=cancelRequested`)
  }
  return data({ error: 'unknown intent' }, { status: 400 })
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'jobs.title')

export default function JobPage() {
  const { job, timeZone, canManage, notice } = useLoaderData<typeof loader>()
  const { t, moment } = useI18n()
  return (
    <>
      <div className="page-head">
        <h1>{t('jobs.title')}</h1>
        <div className="actions">
          <JobActions status={job.status} canManage={canManage} retryLabel={t('jobs.detail.retry')} />
        </div>
      </div>
      {notice ? (
        <div className="alert alert-info" role="status">
          {t(`jobs.notice.${notice}`)}
        </div>
      ) : null}
      {job.error ? (
        <div className="alert alert-danger" role="alert">
          {t(job.error.key as MessageKey, job.error.params)}
        </div>
      ) : null}
      <section className="card">
        <JobProgress job={job} />
        <dl className="props">
          <dt>{t('jobs.detail.started')}</dt>
          <dd>{moment(job.startedAt, timeZone)}</dd>
          <dt>{t('jobs.detail.finished')}</dt>
          <dd>{moment(job.finishedAt, timeZone)}</dd>
        </dl>
      </section>
    </>
  )
}
