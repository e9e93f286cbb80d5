import { useI18n } from '../utils/use-root'

/**
 * Said when a report is the one computed before the latest sync (analytics/result-cache.ts): the
 * new one is being computed and shows on a reload.
 */
export function StaleNotice({ report, timeZone }: { report: { asOf: number; stale: boolean } | null | undefined; timeZone?: string }) {
  const { t, moment } = useI18n()
  if (!report?.stale) return null
  return (
    <div className="alert alert-info" role="status" data-testid="stale-notice">
      {t('analysis.stale', { at: moment(new Date(report.asOf).toISOString(), timeZone) })}
    </div>
  )
}
