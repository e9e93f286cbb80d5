import { useRevalidator } from '@remix-run/react'
import { useEffect, useId, useState } from 'react'
import { formatBytes } from '../../analytics/ingest/sizes'
import type { MessageKey } from '../i18n'
import type { JobStatus, JobView } from '../services/jobs.server'
import { useI18n } from '../utils/use-root'

const BADGE: Record<JobStatus, string> = {
  queued: 'badge-running',
  running: 'badge-running',
  done: 'badge-completed',
  failed: 'badge-over',
}

const POLL_MS = 1000
/** without JavaScript the page reloads itself this often while the job runs */
export const NO_SCRIPT_REFRESH_SECONDS = 3

export function JobStatusBadge({ status }: { status: JobStatus }) {
  const { t } = useI18n()
  return <span className={`badge ${BADGE[status]}`}>{t(`jobs.status.${status}`)}</span>
}

const isActive = (job: Pick<JobView, 'status'>) => job.status === 'queued' || job.status === 'running'

/**
 * A job's progress bar. With JavaScript it asks `/api/jobs/<id>` every second while the job
 * runs and revalidates the page when it ends (so the page shows the outcome); without,
 * a refresh inside <noscript> reloads the page every few seconds, and a link does it by hand.
 */
export function JobProgress({ job: initial }: { job: JobView }) {
  const { t, num } = useI18n()
  const [job, setJob] = useState(initial)
  const revalidator = useRevalidator()
  const labelId = useId()

  // the page's own data is newer after a revalidation or a navigation
  useEffect(() => setJob(initial), [initial])

  useEffect(() => {
    if (!isActive(job)) return
    let stopped = false
    const timer = setTimeout(async () => {
      try {
        const response = await fetch(`/api/jobs/${job.id}`, { headers: { accept: 'application/json' } })
        if (!response.ok || stopped) return
        const next = (await response.json()) as JobView
        setJob(next)
        if (!isActive(next)) revalidator.revalidate()
      } catch {
        // offline for a moment: the next poll tries again
        if (!stopped) setJob((j) => ({ ...j }))
      }
    }, POLL_MS)
    return () => {
      stopped = true
      clearTimeout(timer)
    }
    // a new poll after each answer (the job object changes identity with every answer)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [job])

  const { done, total, unit, percent } = job.progress
  const amount =
    unit === 'bytes' && total
      ? t('jobs.progress.bytes', { done: formatBytes(done), total: formatBytes(total) })
      : unit === 'rows' && total
        ? t('jobs.progress.rows', { done: num(done), total: num(total) })
        : unit === 'rows' && done
          ? t('jobs.progress.rowsSoFar', { done: num(done) })
          : null
  const phase = job.phase ? t(`jobs.phase.${job.phase}` as MessageKey) : null
  const text =
    job.status === 'queued'
      ? t('jobs.progress.waiting')
      : job.status === 'done'
        ? t('jobs.progress.done')
        : [phase?.startsWith('jobs.phase.') ? null : phase, amount, percent !== null ? t('jobs.progress.percent', { percent }) : null]
            .filter(Boolean)
            .join(' · ')

  return (
    <div className="job-progress" aria-live="polite">
      <div className="job-progress-head" style={{ display: 'flex', gap: '0.5rem', alignItems: 'center' }}>
        <span id={labelId}>{t('jobs.progress.label')}</span>
        <JobStatusBadge status={job.status} />
      </div>
      {job.status === 'failed' ? null : (
        <progress
          aria-labelledby={labelId}
          aria-valuetext={text}
          max={100}
          // no value: an indeterminate bar while the total is not known yet
          value={job.status === 'done' ? 100 : (percent ?? undefined)}
          style={{ width: '100%', height: '1rem' }}
        />
      )}
      <p className="small muted" data-testid="job-progress-text">
        {text}
      </p>
      {isActive(job) ? (
        <>
          <p className="small muted">{t('jobs.progress.keepsRunning')}</p>
          <noscript>
            <meta httpEquiv="refresh" content={String(NO_SCRIPT_REFRESH_SECONDS)} />
            <p className="small">
              {t('jobs.progress.autoRefresh')} <a href={`/jobs/${job.id}`}>{t('jobs.progress.refresh')}</a>
            </p>
          </noscript>
        </>
      ) : null}
    </div>
  )
}

/** An import job's card: its progress, the file, the store, who started it and when; `next` while it runs. */
export function ImportJobCard({
  job,
  fileName,
  storeName,
  createdBy,
  timeZone,
  next,
}: {
  job: JobView
  fileName: string
  storeName: string
  createdBy: string | null
  timeZone: string
  next: string
}) {
  const { t, moment } = useI18n()
  const active = job.status === 'queued' || job.status === 'running'
  return (
    <section className="card">
      <JobProgress job={job} />
      <dl className="props">
        <dt>{t('imports.preview.file')}</dt>
        <dd className="break-all">{fileName || '—'}</dd>
        <dt>{t('imports.detail.store')}</dt>
        <dd>{storeName}</dd>
        <dt>{t('imports.detail.by')}</dt>
        <dd>{createdBy ?? t('imports.detail.system')}</dd>
        <dt>{t('jobs.detail.started')}</dt>
        <dd>{moment(job.startedAt ?? job.createdAt, timeZone)}</dd>
        {job.finishedAt ? (
          <>
            <dt>{t('jobs.detail.finished')}</dt>
            <dd>{moment(job.finishedAt, timeZone)}</dd>
          </>
        ) : null}
      </dl>
      {active ? <p className="small muted">{next}</p> : null}
    </section>
  )
}
