/**
 * CSV that Excel opens safely (SPEC §4, §8): RFC 4180 quoting, CRLF line ends, and cells
 * that a spreadsheet would read as a formula (= + - @, or a leading tab or carriage
 * return) neutralised with a leading apostrophe, the OWASP recommendation. Numbers stay
 * numbers: only text is escaped, so `-12` as a number is written as is.
 */
export type CsvCell = string | number | boolean | null | undefined | Date

const FORMULA_START = /^[=+\-@\t\r]/

function cellText(value: CsvCell): string {
  if (value == null) return ''
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString()
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return FORMULA_START.test(value) ? `'${value}` : value
}

export function csvCell(value: CsvCell): string {
  const text = cellText(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Rows (the first usually the header) as CSV text, without a byte-order mark. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<CsvCell>>): string {
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + (rows.length ? '\r\n' : '')
}

/** The UTF-8 byte-order mark: without it, Excel on Windows reads UTF-8 Chinese as mojibake. */
export const UTF8_BOM = '\uFEFF'

/** A CSV download: UTF-8 with BOM, a file name safe in every browser (ASCII fallback plus RFC 5987). */
export function csvResponse(fileName: string, rows: ReadonlyArray<ReadonlyArray<CsvCell>>, init: { asciiName?: string } = {}) {
  const ascii = (init.asciiName ?? fileName).replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_')
  return new Response(UTF8_BOM + toCsv(rows), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
