import type { LoaderFunctionArgs } from '@remix-run/node'
import { getJob, toJobView } from '../services/jobs.server'
import { requireUser } from '../utils/auth.server'

/**
 * A job's status and progress as JSON, for the progress bar (components/job-progress.tsx).
 * Scoped like the job page: a job of a store the user cannot read is 404.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const job = await getJob(user, params.jobId ?? '')
  return Response.json(toJobView(job), { headers: { 'Cache-Control': 'no-store' } })
}
