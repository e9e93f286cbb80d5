import type { ReactNode } from 'react'
import type { RoiReport, RoiRow } from '../../analytics/queries/roi'
import { useI18n } from '../utils/use-root'

const FIELD_LABEL = {
  leads: 'analysis.conversion.lead',
  visits: 'analysis.conversion.visit',
  testDrives: 'analysis.conversion.test_drive',
  orders: 'analysis.conversion.order',
  deliveries: 'analysis.conversion.delivery',
  revenue: 'analysis.col.revenue',
  grossProfit: 'analysis.col.value',
} as const

/**
 * 投入产出 (SPEC §4): per channel, campaign, store or month, spend against what it brought —
 * the funnel, revenue and gross profit, cost per lead / visit / order, ROAS and ROI with its 90%
 * interval — and a plain word where the interval cannot say whether it paid.
 */
export function RoiTable({ roi, label, currency, title, children, id = 'roi' }: { roi: RoiReport; label: (key: string) => string; currency: string; title: string; children?: ReactNode; id?: string }) {
  const { t, money, num, pct, change } = useI18n()
  const one = (x: number) => (Math.abs(x) < 0.05 ? '0' : Number.isInteger(x) ? num(x) : x.toFixed(1))
  /** the change against the same length of time just before, for the figures that matter most */
  const lift = (r: RoiRow) => {
    const parts = (['leads', 'orders', 'grossProfit'] as const).flatMap((field) =>
      r.prior[field] > 0 ? [`${t(FIELD_LABEL[field])} ${change(r[field] / r.prior[field] - 1)}`] : [],
    )
    return parts.length ? parts.map((p, i) => <span key={p} className={i ? 'muted small lift-line' : 'lift-line'}>{p}</span>) : '—'
  }
  /** a count with the plan's target and its attainment under it, where the campaign set one */
  const counted = (r: RoiRow, field: keyof typeof FIELD_LABEL, show: (x: number) => string) => {
    const target = r.targets?.[field]
    return (
      <td className="num">
        {show(r[field])}
        {target ? (
          <>
            <br />
            <span className="muted small" title={t('analysis.roi.target')}>
              {t('analysis.roi.attainment', { target: show(target), pct: pct(r[field] / target) })}
            </span>
          </>
        ) : null}
      </td>
    )
  }
  const whole = (x: number) => money(Math.round(x), currency)
  const cells = (r: RoiRow) => {
    const unsure = r.roiInterval && r.roiInterval.low < 0 && r.roiInterval.high > 0
    return (
      <>
        <td className="num">{money(r.cost, currency)}</td>
        <td className="num">{money(r.netCost, currency)}</td>
        {counted(r, 'leads', one)}
        {counted(r, 'visits', one)}
        {counted(r, 'testDrives', one)}
        {counted(r, 'orders', one)}
        {counted(r, 'deliveries', one)}
        {counted(r, 'revenue', whole)}
        {counted(r, 'grossProfit', whole)}
        <td className="num">{r.costPerLead == null ? '—' : money(Math.round(r.costPerLead), currency)}</td>
        <td className="num">{r.costPerVisit == null ? '—' : money(Math.round(r.costPerVisit), currency)}</td>
        <td className="num">{r.costPerOrder == null ? '—' : money(Math.round(r.costPerOrder), currency)}</td>
        <td className="num">{r.roas == null ? '—' : r.roas.toFixed(1)}</td>
        <td className="num">
          {pct(r.roi)}
          {r.roiInterval ? (
            <>
              <br />
              <span className="muted small">
                {pct(r.roiInterval.low)} – {pct(r.roiInterval.high)}
              </span>
            </>
          ) : null}
          {unsure ? (
            <>
              <br />
              <span className="small" title={t('analysis.roi.unsure')}>
                {t('analysis.roi.unsure')}
              </span>
            </>
          ) : null}
        </td>
        <td className="num">{lift(r)}</td>
      </>
    )
  }
  return (
    <section className="card section" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t('analysis.roi.title')}</h2>
      <p className="muted small">{title}</p>
      {children}
      {roi.rows.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table data-testid={`${id}-table`}>
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col" className="num">{t('analysis.roi.cost')}</th>
                <th scope="col" className="num">{t('analysis.roi.netCost')}</th>
                <th scope="col" className="num">{t('analysis.conversion.lead')}</th>
                <th scope="col" className="num">{t('analysis.conversion.visit')}</th>
                <th scope="col" className="num">{t('analysis.conversion.test_drive')}</th>
                <th scope="col" className="num">{t('analysis.conversion.order')}</th>
                <th scope="col" className="num">{t('analysis.conversion.delivery')}</th>
                <th scope="col" className="num">{t('analysis.col.revenue')}</th>
                <th scope="col" className="num">{t('analysis.col.value')}</th>
                <th scope="col" className="num">{t('analysis.roi.cpl')}</th>
                <th scope="col" className="num">{t('analysis.roi.cpv')}</th>
                <th scope="col" className="num">{t('analysis.roi.cpo')}</th>
                <th scope="col" className="num">{t('analysis.roi.roas')}</th>
                <th scope="col" className="num">{t('analysis.roi.roi')}</th>
                <th scope="col" className="num">{t('analysis.roi.lift')}</th>
              </tr>
            </thead>
            <tbody>
              {[...roi.rows]
                .sort((x, y) => y.cost - x.cost || y.orders - x.orders || (x.key < y.key ? -1 : 1))
                .map((r) => (
                  <tr key={r.key}>
                    <th scope="row">{label(r.key)}</th>
                    {cells(r)}
                  </tr>
                ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{t('analysis.roi.total')}</th>
                {cells(roi.totals)}
              </tr>
            </tfoot>
          </table>
        </div>
      ) : (
        <p className="empty">{t('analysis.roi.none')}</p>
      )}
    </section>
  )
}
