import { Link } from '@remix-run/react'
import type { SalesImportJob } from '../services/sales.server'
import { useI18n } from '../utils/use-root'
import { JobStatusBadge } from './job-progress'

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T

type OpenImportJob = Pick<SalesImportJob, 'job' | 'fileName' | 'storeName' | 'timeZone'>

/** A job's own page: a lead import's, a market-data import's, a competitor-observation import's, else a sales import's. */
const JOB_PAGES: Record<string, string> = { lead_import: '/imports/jobs', market_import: '/competitors/market/jobs', observation_import: '/competitors/jobs' }
const jobPage = (job: { id: string; kind: string }) => `${JOB_PAGES[job.kind] ?? '/sales/jobs'}/${job.id}`

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
