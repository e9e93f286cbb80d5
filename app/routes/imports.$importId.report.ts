import type { LoaderFunctionArgs } from '@remix-run/node'
import { translator, type MessageKey } from '../i18n'
import { getImport, listImportRows, type ImportRowOutcome } from '../services/lead-import.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { csvResponse } from '../utils/csv'
import { splitMessage } from '../utils/form'
import { resolveLocale } from '../utils/i18n.server'

/**
 * The row report of an import as CSV (UTF-8 with BOM, formula-safe): every row's number,
 * outcome, column and reason, in the user's language. No cell values: the export would
 * otherwise carry full phone numbers to roles that may not see them.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'import:run')
  const found = await getImport(user, params.importId ?? '')
  const rows = await listImportRows(user, found.id)
  const t = translator(resolveLocale(request, user.locale))
  const text = (message: string | null) => {
    if (!message) return ''
    const [key, vars] = splitMessage(message)
    return t(key as MessageKey, vars)
  }
  const base = found.fileName.replace(/\.[^.]+$/, '')
  return csvResponse(
    `${base}-report.csv`,
    [
      [t('imports.report.row'), t('imports.report.outcome'), t('imports.report.column'), t('imports.report.reason')],
      ...rows.map((r) => [r.rowNumber, t(`imports.outcome.${r.outcome as ImportRowOutcome}`), r.column ?? '', text(r.reason)]),
    ],
    { asciiName: `import-${found.id.slice(0, 8)}-report.csv` },
  )
}
