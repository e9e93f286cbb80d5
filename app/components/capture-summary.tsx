import { Link } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import { useI18n } from '../utils/use-root'

export type CaptureCounts = { leads: number; webVisits: number; clicks: number; forms: number; walkIns: number; calls: number }

const ROWS: Array<[keyof CaptureCounts, MessageKey]> = [
  ['leads', 'campaign.capture.leads'],
  ['clicks', 'campaign.capture.clicks'],
  ['webVisits', 'campaign.capture.webVisits'],
  ['forms', 'campaign.capture.forms'],
  ['walkIns', 'campaign.capture.walkIns'],
  ['calls', 'campaign.capture.calls'],
]

/** The campaign's captures so far (SPEC §3), with a way into the leads behind them. */
export function CaptureSummary({ campaignId, counts }: { campaignId: string; counts: CaptureCounts }) {
  const { t, num } = useI18n()
  return (
    <section className="card" aria-labelledby="capture-h">
      <h2 id="capture-h">{t('campaign.capture.title')}</h2>
      <dl className="props">
        {ROWS.map(([key, label]) => (
          <div key={key} style={{ display: 'contents' }}>
            <dt>{t(label)}</dt>
            <dd className="num" style={{ textAlign: 'left' }}>
              {num(counts[key])}
            </dd>
          </div>
        ))}
      </dl>
      <p className="small muted" style={{ marginTop: 8 }}>
        {t('campaign.capture.hint')}
      </p>
      {counts.leads ? <Link to={`/leads?campaign=${campaignId}`}>{t('campaign.capture.viewLeads')} →</Link> : null}
    </section>
  )
}
