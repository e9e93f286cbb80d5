import type { ReactNode } from 'react'
import type { RoiReport, RoiRow } from '../../analytics/queries/roi'
import { useI18n } from '../utils/use-root'

/**
 * 投入产出 (SPEC §4): per channel, campaign, store or month, spend against what it brought —
 * the funnel, revenue and gross profit, cost per lead / visit / order, ROAS and ROI with its 90%
 * interval — and a plain word where the interval cannot say whether it paid.
 */
export function RoiTable({ roi, label, currency, title, children, id = 'roi' }: { roi: RoiReport; label: (key: string) => string; currency: string; title: string; children?: ReactNode; id?: string }) {
  const { t, money, num } = useI18n()
  const pct = (x: number | null) => (x == null ? '—' : `${(x * 100).toFixed(0)}%`)
  const one = (x: number) => (Math.abs(x) < 0.05 ? '0' : Number.isInteger(x) ? num(x) : x.toFixed(1))
  const lift = (r: RoiRow) => (r.prior.orders > 0 ? pct(r.orders / r.prior.orders - 1) : '—')
  const cells = (r: RoiRow) => {
    const unsure = r.roiInterval && r.roiInterval.low < 0 && r.roiInterval.high > 0
    return (
      <>
        <td className="num">{money(r.cost, currency)}</td>
        <td className="num">{money(r.netCost, currency)}</td>
        <td className="num">{one(r.leads)}</td>
        <td className="num">{one(r.visits)}</td>
        <td className="num">{one(r.orders)}</td>
        <td className="num">{money(Math.round(r.revenue), currency)}</td>
        <td className="num">{money(Math.round(r.grossProfit), currency)}</td>
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
        <div className="table-wrap">
          <table data-testid={`${id}-table`}>
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col" className="num">{t('analysis.roi.cost')}</th>
                <th scope="col" className="num">{t('analysis.roi.netCost')}</th>
                <th scope="col" className="num">{t('analysis.conversion.lead')}</th>
                <th scope="col" className="num">{t('analysis.conversion.visit')}</th>
                <th scope="col" className="num">{t('analysis.conversion.order')}</th>
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
