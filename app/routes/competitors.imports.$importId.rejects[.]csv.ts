import type { LoaderFunctionArgs } from '@remix-run/node'
import { OBSERVATION_FIELDS, type ObservationField } from '../../analytics/ingest/observation-headers'
import { translator } from '../i18n'
import { getObservationImport, listObservationImportProblems } from '../services/observation-import-job.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { resolveLocale } from '../utils/i18n.server'
import { rejectsCsvResponse } from '../utils/rejects-csv.server'

/**
 * The refused rows of an observation import as CSV (UTF-8 with BOM, every text cell
 * formula-safe): the row number as Excel shows it, the column, the reason in the user's language.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getObservationImport(user, params.importId ?? '')
  const t = translator(resolveLocale(request, user.locale))
  const column = (c: string | null) => (c && (OBSERVATION_FIELDS as readonly string[]).includes(c) ? t(`competitors.import.field.${c as ObservationField}`) : (c ?? ''))
  return rejectsCsvResponse({
    t,
    found,
    kind: 'observation',
    suffix: 'competitors.import.rejectsSuffix',
    header: ['imports.report.row', 'imports.report.column', 'imports.report.reason'],
    rows: await listObservationImportProblems(found.id),
    cells: (r, reason) => [r.rowNumber, column(r.column), reason],
  })
}
