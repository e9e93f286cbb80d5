import type { ImportStatus } from '../services/lead-import.server'
import { useI18n } from '../utils/use-root'

const BADGE: Record<ImportStatus, string> = {
  pending: 'badge-running',
  done: 'badge-completed',
  failed: 'badge-over',
}

export function ImportStatusBadge({ status }: { status: ImportStatus }) {
  const { t } = useI18n()
  return <span className={`badge ${BADGE[status]}`}>{t(`imports.status.${status}`)}</span>
}
