import type { ReactNode } from 'react'
import { rowReasonText } from '../utils/form'
import { useI18n } from '../utils/use-root'

/** A row outcome's reason (`sales.reason.dateInvalid?value=…`) in the user's language. */
export function useRowReason() {
  const { t } = useI18n()
  return (message: string | null) => rowReasonText(t, message)
}

/**
 * Rows of an import (sales, market data, competitor observations) with their number in the
 * file, the column (`column` words it; the header as is, unless given) and the reason.
 */
export function SalesImportRowsTable({
  rows,
  column = (c) => c ?? '—',
}: {
  rows: ReadonlyArray<{ rowNumber: number; column: string | null; reason: string | null }>
  column?: (column: string | null) => ReactNode
}) {
  const { t } = useI18n()
  const reason = useRowReason()
  return (
    <div className="table-wrap" tabIndex={0}>
      <table className="sales-rows">
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('imports.report.row')}
            </th>
            <th scope="col">{t('imports.report.column')}</th>
            <th scope="col">{t('imports.report.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={`${r.rowNumber}-${i}`}>
              <td className="num">{r.rowNumber}</td>
              <td>{column(r.column)}</td>
              <td>{reason(r.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
