import type { LoaderFunctionArgs } from '@remix-run/node'
import { translator, type MessageKey } from '../i18n'
import { getMarketImport } from '../services/market.server'
import { salesImportReportRows } from '../services/sales.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { csvCell, UTF8_BOM } from '../utils/csv'
import { splitMessage } from '../utils/form'
import { resolveLocale } from '../utils/i18n.server'

/**
 * The rejected rows of a market-data import as CSV (UTF-8 with BOM, every text cell
 * formula-safe): the row number as Excel shows it, the column, the reason in the user's
 * language. Streamed a page at a time.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const found = await getMarketImport(user, params.importId ?? '')
  const t = translator(resolveLocale(request, user.locale))
  const reason = (message: string | null) => {
    if (!message) return ''
    const [key, vars] = splitMessage(message)
    return t(key as MessageKey, vars)
  }
  const line = (cells: Array<string | number>) => cells.map(csvCell).join(',') + '\r\n'
  const rows = salesImportReportRows(found.id)
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(UTF8_BOM + line([t('imports.report.row'), t('imports.report.column'), t('imports.report.reason')])))
    },
    async pull(controller) {
      const next = await rows.next()
      if (next.done) return controller.close()
      let text = ''
      for (const r of next.value) text += line([r.rowNumber, r.column ?? '', reason(r.reason)])
      controller.enqueue(encoder.encode(text))
    },
    async cancel() {
      await rows.return(undefined)
    },
  })
  const base = found.fileName.replace(/\.[^.]+$/, '')
  const fileName = `${base}-${t('market.rejects.fileSuffix')}.csv`
  const ascii = `market-import-${found.id.slice(0, 8)}-rejects.csv`
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
