import type { MessageKey } from '../i18n'
import type { SalesImportRow } from '../services/sales.server'
import { splitMessage } from '../utils/form'
import { useI18n } from '../utils/use-root'

/** A row outcome's reason (`sales.reason.dateInvalid?value=…`) in the user's language. */
export function useRowReason() {
  const { t } = useI18n()
  return (message: string | null) => {
    if (!message) return ''
    const [key, params] = splitMessage(message)
    return t(key as MessageKey, params)
  }
}

/** Rows of a sales import with their number in the file, the column and the reason. */
export function SalesImportRowsTable({ rows }: { rows: SalesImportRow[] }) {
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
              <td>{r.column ?? '—'}</td>
              <td>{reason(r.reason)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
