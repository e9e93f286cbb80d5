import type { LoaderFunctionArgs } from '@remix-run/node'
import { translator } from '../i18n'
import { getMarketImport } from '../services/market.server'
import { salesImportReportRows } from '../services/sales.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { rejectsCsvResponse } from '../utils/rejects-csv.server'

/**
 * The rejected rows of a market-data import as CSV (UTF-8 with BOM, every text cell
 * formula-safe): the row number as Excel shows it, the column, the reason in the user's
 * language. Streamed a page at a time.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getMarketImport(user, params.importId ?? '')
  return rejectsCsvResponse({
    t: translator(resolveLocale(request, user.locale)),
    found,
    kind: 'market',
    suffix: 'market.rejects.fileSuffix',
    header: ['imports.report.row', 'imports.report.column', 'imports.report.reason'],
    rows: salesImportReportRows(found.id),
    cells: (r, reason) => [r.rowNumber, r.column ?? '', reason],
  })
}
