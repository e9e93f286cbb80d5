import { Link } from '@remix-run/react'
import type { SalesList } from '../services/sales.server'
import { useI18n } from '../utils/use-root'
import { SortHeader } from './sort-header'

type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T
type Row = Serialized<SalesList['rows'][number]>

/**
 * The imported sales: the day (invoice date, else order date), the car, the price and gross
 * profit, the masked phone (the kept files hold no full number), the consultant. Columns a
 * phone has no room for are hidden at its width; the row stays readable as a card.
 * Each sale shows its matchback status: the lead it came from (with the rule and confidence),
 * a suggestion waiting for a person, or none.
 */
export function SalesTable({ rows, showStore, linkLeads }: { rows: Row[]; showStore: boolean; linkLeads: boolean }) {
  const { t, day, money, num } = useI18n()
  const match = (r: Row) => {
    const label = t(`matchback.status.${r.match_status}`)
    const badge = <span className={`badge match-${r.match_status}`}>{label}</span>
    if (r.match_status === 'review') return <Link to="/sales/matches">{badge}</Link>
    if (r.match_status !== 'matched') return badge
    const how = [r.match_rule ? t(`matchback.rule.${r.match_rule}`) : null, r.match_confidence !== null ? `${num(Math.round(r.match_confidence * 100))}%` : null]
      .filter(Boolean)
      .join(' · ')
    return (
      <>
        {linkLeads && r.match_lead_id ? <Link to={`/leads/${r.match_lead_id}`}>{badge}</Link> : badge}
        {how ? <div className="small muted">{how}</div> : null}
      </>
    )
  }
  const sort = (column: string, label: string, className?: string, defaultDir: 'asc' | 'desc' = 'desc') => (
    <SortHeader column={column} defaultSort="date" defaultDir={defaultDir} className={className}>
      {label}
    </SortHeader>
  )
  return (
    <div className="table-wrap" tabIndex={0}>
      <table className="sales-table cards">
        <thead>
          <tr>
            {sort('date', t('sales.col.date'))}
            {sort('model', t('sales.col.car'), undefined, 'asc')}
            {sort('price', t('sales.field.transactionPrice'), 'num')}
            {sort('profit', t('sales.field.grossProfit'), 'num hide-sm')}
            <th scope="col" className="hide-sm">
              {t('sales.field.phone')}
            </th>
            {sort('consultant', t('sales.field.consultant'), 'hide-sm', 'asc')}
            <th scope="col">{t('matchback.col.status')}</th>
            <th scope="col" className="hide-sm">
              {t('sales.col.id')}
            </th>
            {showStore ? sort('store', t('common.store'), 'hide-sm', 'asc') : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.store_id}:${r.sale_key}`}>
              <td className="nowrap">
                {day(r.invoice_date ?? r.order_date)}
                {!r.invoice_date && r.order_date ? <div className="small muted">{t('sales.col.orderDateOnly')}</div> : null}
              </td>
              <td data-label={t('sales.col.car')}>
                {[r.series, r.model].filter(Boolean).join(' ') || '—'}
                {r.trim || r.color ? <div className="small muted">{[r.trim, r.color].filter(Boolean).join(' · ')}</div> : null}
                <div className="small muted show-sm">{[r.consultant, r.phone_masked].filter(Boolean).join(' · ')}</div>
              </td>
              <td className="num" data-label={t('sales.field.transactionPrice')}>
                {money(r.transaction_price_fen, r.currency)}
                {r.payment_method ? <div className="small muted">{t(`sales.payment.${r.payment_method as 'full' | 'loan' | 'lease'}`)}</div> : null}
              </td>
              <td className="num hide-sm" data-label={t('sales.field.grossProfit')}>
                {money(r.gross_profit_fen, r.currency)}
              </td>
              <td className="nowrap hide-sm" data-label={t('sales.field.phone')}>
                {r.phone_masked ?? '—'}
              </td>
              <td className="hide-sm" data-label={t('sales.field.consultant')}>
                {r.consultant ?? '—'}
              </td>
              <td className="nowrap" data-label={t('matchback.col.status')}>
                {match(r)}
              </td>
              <td className="hide-sm small break-all" data-label={t('sales.col.id')}>
                {r.vin ?? r.order_no ?? '—'}
              </td>
              {showStore ? (
                <td className="hide-sm" data-label={t('common.store')}>
                  {r.storeName}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
