import { Link } from '@remix-run/react'
import type { SalesImportJob } from '../services/sales.server'
import { useI18n } from '../utils/use-root'
import { JobStatusBadge } from './job-progress'

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

type OpenImportJob = Pick<SalesImportJob, 'job' | 'fileName' | 'storeName' | 'timeZone'>

/** A job's own page: a lead import's, else a sales import's. */
const jobPage = (job: { id: string; kind: string }) => (job.kind === 'lead_import' ? `/imports/jobs/${job.id}` : `/sales/jobs/${job.id}`)

/** Imports still running, or failed lately: where someone who closed the tab finds theirs again. */
export function SalesImportJobs({ jobs, title }: { jobs: Array<Serialized<OpenImportJob>>; title?: string }) {
  const { t, moment } = useI18n()
  if (!jobs.length) return null
  return (
    <section className="card" aria-labelledby="open-sales-imports">
      <h2 id="open-sales-imports">{title ?? t('sales.jobs.title')}</h2>
      <ul className="history">
        {jobs.map((j) => (
          <li key={j.job.id} className="sales-job">
            <JobStatusBadge status={j.job.status} />{' '}
            <Link to={jobPage(j.job)} className="break-all">
              {j.fileName || t('sales.jobs.untitled')}
            </Link>
            <span className="small muted">
              {' '}
              · {j.storeName} · {moment(j.job.createdAt, j.timeZone)}
              {j.job.progress.percent !== null && j.job.status === 'running' ? ` · ${t('jobs.progress.percent', { percent: j.job.progress.percent })}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
