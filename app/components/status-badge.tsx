import type { CampaignStatus } from '../../db/schema/enums'
import { useI18n } from '../utils/use-root'

export function StatusBadge({ status }: { status: CampaignStatus }) {
  const { t } = useI18n()
  return <span className={`badge badge-${status}`}>{t(`status.${status}`)}</span>
}
