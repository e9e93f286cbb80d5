// English messages of background jobs (progress bar, job page); jobs.zh-CN.ts has the same keys.
export const jobsEn = {
  'jobs.title': 'Background job',
  'jobs.status.queued': 'Waiting',
  'jobs.status.running': 'Running',
  'jobs.status.done': 'Done',
  'jobs.status.failed': 'Failed',

  'jobs.progress.label': 'Progress',
  'jobs.progress.waiting': 'Waiting for its turn…',
  'jobs.progress.rows': '{done} of {total} rows',
  'jobs.progress.rowsSoFar': '{done} rows so far',
  'jobs.progress.bytes': '{done} of {total} read',
  'jobs.progress.percent': '{percent}%',
  'jobs.progress.done': 'Finished.',
  'jobs.progress.autoRefresh': 'This page refreshes itself every few seconds until the job ends.',
  'jobs.progress.refresh': 'Refresh',
  'jobs.progress.keepsRunning': 'You can close this page: the job keeps running on the server.',

  'jobs.phase.reading': 'Reading the file',
  'jobs.phase.checking': 'Checking the rows',
  'jobs.phase.saving': 'Saving',

  'jobs.detail.started': 'Started',
  'jobs.detail.finished': 'Finished',
  'jobs.detail.retry': 'Run again',
  'jobs.detail.cancel': 'Cancel the job',
  'jobs.notice.retried': 'The job is queued again.',
  'jobs.notice.cancelRequested': 'The job was asked to stop.',

  'jobs.error.unexpected': 'The job stopped on an unexpected error. Try again; if it fails again, tell your administrator.',
  'jobs.error.interrupted': 'The job was interrupted (the server stopped while it ran). Run it again.',
  'jobs.error.cancelled': 'The job was cancelled.',
  'jobs.error.badInput': 'The job was given input it cannot use.',

  'auditAction.job.cancel': 'Cancelled background job',
  'auditAction.job.retry': 'Ran background job again',
  'auditEntity.job': 'Background job',
} as const
