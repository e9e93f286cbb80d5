import type { jobsEn } from './jobs.en'

export const jobsZhCN: Record<keyof typeof jobsEn, string> = {
  'jobs.title': '后台任务',
  'jobs.status.queued': '排队中',
  'jobs.status.running': '进行中',
  'jobs.status.done': '已完成',
  'jobs.status.failed': '失败',

  'jobs.progress.label': '进度',
  'jobs.progress.waiting': '正在排队，稍后开始…',
  'jobs.progress.rows': '已处理 {done} / {total} 行',
  'jobs.progress.rowsSoFar': '已处理 {done} 行',
  'jobs.progress.bytes': '已读取 {done} / {total}',
  'jobs.progress.percent': '{percent}%',
  'jobs.progress.done': '已完成。',
  'jobs.progress.autoRefresh': '任务结束前，本页每隔几秒自动刷新。',
  'jobs.progress.refresh': '刷新',
  'jobs.progress.keepsRunning': '可以关闭本页：任务会在服务器上继续运行。',

  'jobs.phase.reading': '正在读取文件',
  'jobs.phase.checking': '正在校验数据',
  'jobs.phase.saving': '正在保存',

  'jobs.detail.started': '开始时间',
  'jobs.detail.finished': '结束时间',
  'jobs.detail.retry': '重新运行',
  'jobs.detail.cancel': '取消任务',
  'jobs.notice.retried': '任务已重新排队。',
  'jobs.notice.cancelRequested': '已请求停止该任务。',

  'jobs.error.unexpected': '任务因意外错误而停止。请重试；如再次失败，请联系管理员。',
  'jobs.error.interrupted': '任务被中断（运行时服务器停止了）。请重新运行。',
  'jobs.error.cancelled': '任务已取消。',
  'jobs.error.badInput': '任务的输入无法使用。',

  'auditAction.job.cancel': '取消后台任务',
  'auditAction.job.retry': '重新运行后台任务',
  'auditEntity.job': '后台任务',
}
