import type { MessageKey, Translate } from '../i18n'
import { csvCell, csvResponse, UTF8_BOM, type CsvCell } from './csv'
import { rowReasonText } from './form'

/**
 * The download of an import's rejected rows (sales, market data, competitor observations) as
 * CSV: UTF-8 with BOM, every text cell formula-safe, named after the uploaded file with the
 * kind's suffix in the user's language (`<file>-<suffix>.csv`) and an ASCII fallback
 * (`<kind>-import-<id>-rejects.csv`). Rows come as a list, or a page at a time from a
 * generator — then the body is streamed, and a download stopped half-way stops the reading.
 * `cells` makes a row's cells; the reason is given to it in the user's language.
 */
export function rejectsCsvResponse<Row extends { reason: string | null }>(options: {
  t: Translate
  found: { id: string; fileName: string }
  kind: 'sales' | 'market' | 'observation'
  suffix: MessageKey
  header: readonly MessageKey[]
  rows: readonly Row[] | AsyncGenerator<Row[]>
  cells: (row: Row, reason: string) => CsvCell[]
}): Response {
  const { t, found } = options
  const header = options.header.map((key) => t(key))
  const line = (row: Row) => options.cells(row, rowReasonText(t, row.reason))
  const fileName = `${found.fileName.replace(/\.[^.]+$/, '')}-${t(options.suffix)}.csv`
  const asciiName = `${options.kind}-import-${found.id.slice(0, 8)}-rejects.csv`
  const rows = options.rows
  if (!isGenerator(rows)) return csvResponse(fileName, [header, ...rows.map(line)], { asciiName })
  const text = (cells: readonly CsvCell[]) => cells.map(csvCell).join(',') + '\r\n'
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(UTF8_BOM + text(header)))
    },
    async pull(controller) {
      const next = await rows.next()
      if (next.done) return controller.close()
      let chunk = ''
      for (const r of next.value) chunk += text(line(r))
      controller.enqueue(encoder.encode(chunk))
    },
    async cancel() {
      await rows.return(undefined)
    },
  })
  return new Response(body, {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}

const isGenerator = <T>(rows: readonly T[] | AsyncGenerator<T[]>): rows is AsyncGenerator<T[]> => !Array.isArray(rows)
