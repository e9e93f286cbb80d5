import { NO_CAMPAIGN, NO_CHANNEL, NO_MEDIUM } from '../../analytics/attribution/vocabulary'
import type { MessageKey, Translate } from '../i18n'

/**
 * The label of an attribution or ROI key in the reader's language: a channel's name (or
 * "not media" for spend that is no placement's), a campaign's name (or "no campaign" for
 * touches without one). One place for the pages and the chart-data downloads.
 */
export function pathKeyLabel(by: 'channel' | 'medium' | 'campaign', key: string, t: Translate, campaignNames: Readonly<Record<string, string>> = {}) {
  if (by === 'channel') return key === NO_CHANNEL ? t('analysis.noChannel') : t(`leads.channel.${key}` as MessageKey)
  if (by === 'medium') return key === NO_MEDIUM ? t('analysis.noMedium') : t(`leads.channel.${key}` as MessageKey)
  if (key === NO_CAMPAIGN) return t('analysis.noCampaign')
  return campaignNames[key] ?? key
}
