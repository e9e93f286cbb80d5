import { Link } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import { useI18n } from '../utils/use-root'

export type CaptureCounts = {
  leads: number
  webVisits: number
  clicks: number
  forms: number
  walkIns: number
  calls: number
  /** what the campaign's leads bought, matched from the DMS export (ADR 017); null until the analytical store has synced */
  sales?: { orders: number; deliveries: number; revenueFen: number; grossProfitFen: number; currency: string } | null
}

const ROWS: Array<[Exclude<keyof CaptureCounts, 'sales'>, MessageKey]> = [
  ['leads', 'campaign.capture.leads'],
  ['clicks', 'campaign.capture.clicks'],
  ['webVisits', 'campaign.capture.webVisits'],
  ['forms', 'campaign.capture.forms'],
  ['walkIns', 'campaign.capture.walkIns'],
  ['calls', 'campaign.capture.calls'],
]

/** The campaign's captures so far (SPEC §3) and the sales matched to them (§4), with a way into the leads behind them. */
export function CaptureSummary({ campaignId, counts }: { campaignId: string; counts: CaptureCounts }) {
  const { t, num, money } = useI18n()
  const sales = counts.sales
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
        {sales ? (
          <>
            <dt>{t('matchback.capture.orders')}</dt>
            <dd className="num" style={{ textAlign: 'left' }}>
              {num(sales.orders)}
            </dd>
            <dt>{t('matchback.capture.deliveries')}</dt>
            <dd className="num" style={{ textAlign: 'left' }}>
              {num(sales.deliveries)}
            </dd>
            <dt>{t('matchback.capture.revenue')}</dt>
            <dd className="num" style={{ textAlign: 'left' }}>
              {money(sales.revenueFen, sales.currency)}
            </dd>
            <dt>{t('matchback.capture.grossProfit')}</dt>
            <dd className="num" style={{ textAlign: 'left' }}>
              {money(sales.grossProfitFen, sales.currency)}
            </dd>
          </>
        ) : null}
      </dl>
      <p className="small muted" style={{ marginTop: 8 }}>
        {t('campaign.capture.hint')} {t(sales ? 'matchback.capture.hint' : 'matchback.capture.notReady')}
      </p>
      {counts.leads ? <Link to={`/leads?campaign=${campaignId}`}>{t('campaign.capture.viewLeads')} →</Link> : null}
    </section>
  )
}
