import type { LoaderFunctionArgs } from '@remix-run/node'
import { translator } from '../i18n'
import { getSalesImport, salesImportReportRows } from '../services/sales.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { rejectsCsvResponse } from '../utils/rejects-csv.server'

/**
 * The rows of a sales import that need a look — rejected, or imported with a warning — as
 * CSV (UTF-8 with BOM, every text cell formula-safe): row number, outcome, column, reason in
 * the user's language. Streamed a page at a time; no cell values, which may be phones.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'sales:read')
  const found = await getSalesImport(user, params.importId ?? '')
  const t = translator(resolveLocale(request, user.locale))
  return rejectsCsvResponse({
    t,
    found,
    kind: 'sales',
    suffix: 'sales.rejects.fileSuffix',
    header: ['imports.report.row', 'imports.report.outcome', 'imports.report.column', 'imports.report.reason'],
    rows: salesImportReportRows(found.id),
    cells: (r, reason) => [r.rowNumber, t(r.outcome === 'failed' ? 'sales.outcome.rejected' : 'sales.outcome.warning'), r.column ?? '', reason],
  })
}
