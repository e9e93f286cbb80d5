import type { LoaderFunctionArgs } from '@remix-run/node'
import { getJob, toJobView } from '../services/jobs.server'
import { requireUser } from '../utils/auth.server'

/**
 * A job's status and progress as JSON, for the progress bar (components/job-progress.tsx).
 * Scoped like the job page: a job of a store the user cannot read, or of a kind their role may
 * not see, is 404; its result is what the kind's own page would show them.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  const job = await getJob(user, params.jobId ?? '')
  return Response.json(toJobView(job, user), { headers: { 'Cache-Control': 'no-store' } })
}
