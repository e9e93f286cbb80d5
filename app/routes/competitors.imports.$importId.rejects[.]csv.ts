import type { LoaderFunctionArgs } from '@remix-run/node'
import { OBSERVATION_FIELDS, type ObservationField } from '../../analytics/ingest/observation-headers'
import { translator, type MessageKey } from '../i18n'
import { getObservationImport, listObservationImportProblems } from '../services/observation-import-job.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { csvResponse } from '../utils/csv'
import { splitMessage } from '../utils/form'
import { resolveLocale } from '../utils/i18n.server'

/**
 * The refused rows of an observation import as CSV (UTF-8 with BOM, every text cell
 * formula-safe): the row number as Excel shows it, the column, the reason in the user's language.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getObservationImport(user, params.importId ?? '')
  const t = translator(resolveLocale(request, user.locale))
  const reason = (message: string | null) => {
    if (!message) return ''
    const [key, vars] = splitMessage(message)
    return t(key as MessageKey, vars)
  }
  const column = (c: string | null) => (c && (OBSERVATION_FIELDS as readonly string[]).includes(c) ? t(`competitors.import.field.${c as ObservationField}`) : (c ?? ''))
  const rows = await listObservationImportProblems(found.id)
  const base = found.fileName.replace(/\.[^.]+$/, '')
  return csvResponse(
    `${base}-${t('competitors.import.rejectsSuffix')}.csv`,
    [[t('imports.report.row'), t('imports.report.column'), t('imports.report.reason')], ...rows.map((r) => [r.rowNumber, column(r.column), reason(r.reason)])],
    { asciiName: `observation-import-${found.id.slice(0, 8)}-rejects.csv` },
  )
}
