import { parse as parseCsv } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { formatBytes } from './sizes'

/**
 * Reads a spreadsheet export — CSV in any encoding Chinese offices produce, or .xlsx — into
 * a header and rows, the common first step of every import (lead platforms now; DMS sales,
 * competitor and market data later, and the DuckDB ingest, which cannot decode GBK itself).
 * Pure: bytes in, table out; no database, no files, nothing from app/.
 */

export type Cell = string | number | boolean | Date | null

/** A data row and its number in the file, as the user sees it in Excel (1-based). */
export type TableRow = { rowNumber: number; cells: Cell[] }

/** A row that is not data: a title above the header, a blank row, a totals row. */
export type SkippedRow = { rowNumber: number; why: 'title' | 'blank' | 'total'; text: string }

export type TableEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'gb18030'

export type Table = {
  format: 'csv' | 'xlsx'
  /** the text encoding of a CSV; null for .xlsx, whose XML is Unicode */
  encoding: TableEncoding | null
  delimiter: string | null
  sheetName: string | null
  /** the header's row number; rows above it are titles */
  headerRowNumber: number
  /** false when no row named two known columns and the first row with two filled cells was taken */
  headerRecognised: boolean
  headers: string[]
  rows: TableRow[]
  skipped: SkippedRow[]
}

export type TableErrorCode =
  | 'empty'
  | 'tooLarge'
  | 'tooManyRows'
  | 'unsupportedType'
  | 'oldExcel'
  | 'workbookTooLarge'
  | 'mergedCells'
  | 'binary'
  | 'undecodable'
  | 'malformed'
  | 'noHeader'

/**
 * A file that cannot be read as a table. `code` and `params` let the app say why in the
 * user's language; `message` says it in English (command line, logs).
 */
export class TableReadError extends Error {
  constructor(
    public readonly code: TableErrorCode,
    message: string,
    public readonly params: Record<string, string | number> = {},
  ) {
    super(message)
    this.name = 'TableReadError'
  }
}

export type ReadTableOptions = {
  /** used only to name the file in messages; the type is told by the bytes, not the name */
  fileName?: string
  /** refuse larger files (default 20 MiB) */
  maxBytes?: number
  /** refuse more data rows than this (default 200,000) */
  maxRows?: number
  /** does this header text name a column the caller knows? The header is the first row naming at least two. */
  isKnownHeader: (text: string) => boolean
}

export const DEFAULT_MAX_BYTES = 20 * 1024 * 1024
const DEFAULT_MAX_ROWS = 200_000
/** the header is looked for in this many rows from the top */
const HEADER_SEARCH_ROWS = 30
/** an .xlsx is a zip: its unpacked size is capped too, against zip bombs */
const MAX_UNZIPPED_FACTOR = 20

/** The first text of a totals row: 合计, 总计, 小计, 共计, Total, Subtotal, Grand total, Sum. */
export const TOTAL_ROW = /^(合\s*计|总\s*计|小\s*计|共\s*计|(grand\s+|sub)?totals?\b|sum\b)/i


export async function readTable(input: Uint8Array, options: ReadTableOptions): Promise<Table> {
  const bytes = input instanceof Buffer ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength)
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  if (bytes.length === 0) throw new TableReadError('empty', 'The file is empty.')
  if (bytes.length > maxBytes) {
    throw new TableReadError('tooLarge', `The file is ${formatBytes(bytes.length)}; the limit is ${formatBytes(maxBytes)}.`, {
      size: formatBytes(bytes.length),
      limit: formatBytes(maxBytes),
    })
  }
  const kind = sniff(bytes)
  if (kind === 'xlsx') return readXlsx(bytes, options, maxBytes)
  if (kind === 'ole') {
    throw new TableReadError(
      'oldExcel',
      'This is an old Excel (.xls) or a password-protected workbook. Save it as .xlsx without a password, or as CSV, and upload that.',
    )
  }
  if (kind !== 'text') {
    throw new TableReadError('unsupportedType', `This is not a spreadsheet (it looks like ${kind}). Upload a CSV or .xlsx file.`, { kind })
  }
  return readCsv(bytes, options)
}

// ---------------------------------------------------------------- file type

type Sniffed = 'xlsx' | 'ole' | 'text' | string

const MAGIC: Array<[string, number[]]> = [
  ['a PDF document', [0x25, 0x50, 0x44, 0x46]],
  ['a PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['a JPEG image', [0xff, 0xd8, 0xff]],
  ['a GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['a gzip archive', [0x1f, 0x8b]],
  ['a 7-Zip archive', [0x37, 0x7a, 0xbc, 0xaf]],
  ['a RAR archive', [0x52, 0x61, 0x72, 0x21]],
  ['a Parquet file', [0x50, 0x41, 0x52, 0x31]],
  ['a program', [0x7f, 0x45, 0x4c, 0x46]],
  ['a program', [0x4d, 0x5a]],
]

function startsWith(bytes: Buffer, magic: number[]) {
  return magic.every((b, i) => bytes[i] === b)
}

function sniff(bytes: Buffer): Sniffed {
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return 'xlsx'
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole'
  for (const [what, magic] of MAGIC) if (startsWith(bytes, magic)) return what
  return 'text'
}

// ---------------------------------------------------------------- text decoding

/**
 * The encoding of a CSV: a byte-order mark says it (UTF-8, UTF-16 LE/BE); NUL bytes in
 * every other place mean UTF-16 without one; otherwise strict UTF-8 if the bytes are
 * valid UTF-8, else GB18030 (a superset of GBK and GB2312: what Excel on Chinese Windows
 * writes when it saves CSV).
 */
export function decodeText(bytes: Buffer): { text: string; encoding: TableEncoding } {
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) return { text: utf8(bytes.subarray(3)), encoding: 'utf-8-bom' }
  if (startsWith(bytes, [0xff, 0xfe])) return { text: iconv.decode(bytes.subarray(2), 'utf-16le'), encoding: 'utf-16le' }
  if (startsWith(bytes, [0xfe, 0xff])) return { text: iconv.decode(bytes.subarray(2), 'utf-16be'), encoding: 'utf-16be' }
  const sample = bytes.subarray(0, 4096)
  let evenNul = 0
  let oddNul = 0
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) i % 2 === 0 ? evenNul++ : oddNul++
  const half = sample.length / 2
  if (oddNul > half * 0.3 && evenNul < half * 0.05) return { text: iconv.decode(bytes, 'utf-16le'), encoding: 'utf-16le' }
  if (evenNul > half * 0.3 && oddNul < half * 0.05) return { text: iconv.decode(bytes, 'utf-16be'), encoding: 'utf-16be' }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' }
  } catch {
    return { text: iconv.decode(bytes, 'gb18030'), encoding: 'gb18030' }
  }
}

function utf8(bytes: Buffer) {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TableReadError('undecodable', 'The file says it is UTF-8 but contains bytes that are not UTF-8. Save it again as CSV (UTF-8).')
  }
}

/** Text with NULs or many control characters is not a table but a binary file under a .csv name. */
function checkLooksLikeText(text: string) {
  const n = Math.min(text.length, 65536)
  let control = 0
  let replaced = 0
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 0) throw new TableReadError('binary', 'This file is not text: it looks like a binary file. Upload a CSV or .xlsx file.')
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 127) control++
    else if (c === 0xfffd) replaced++
  }
  if (control > n * 0.01) throw new TableReadError('binary', 'This file is not text: it looks like a binary file. Upload a CSV or .xlsx file.')
  if (replaced > Math.max(3, n * 0.01)) {
    throw new TableReadError('undecodable', 'The text of this file could not be decoded as UTF-8, UTF-16 or GBK/GB18030.')
  }
}

// ---------------------------------------------------------------- CSV

/** Excel writes TSV for "Unicode text"; some exports use ; or |. The most frequent one in the first lines wins. */
function detectDelimiter(text: string) {
  const lines = text.split(/\r\n|\n|\r/, 20).filter((l) => l.trim())
  let best = ','
  let bestCount = 0
  for (const d of [',', '\t', ';', '|']) {
    const count = lines.reduce((sum, line) => sum + line.split(d).length - 1, 0)
    if (count > bestCount) {
      best = d
      bestCount = count
    }
  }
  return best
}

async function readCsv(bytes: Buffer, options: ReadTableOptions): Promise<Table> {
  const { text, encoding } = decodeText(bytes)
  checkLooksLikeText(text)
  const delimiter = detectDelimiter(text)
  let records: string[][]
  try {
    // csv-parse (node-csv): RFC 4180 quoting, embedded newlines and delimiters, CRLF/LF/CR.
    // relax_quotes reads a stray quote inside an unquoted field literally, as Excel does.
    records = parseCsv(text, {
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: 1024 * 1024,
    }) as string[][]
  } catch (error) {
    const detail = (error as Error).message
    throw new TableReadError('malformed', `The CSV could not be read: ${detail}`, { detail })
  }
  // a record is one row as Excel shows it, even when a quoted cell spans several lines
  const rows = records.map((cells, i) => ({ rowNumber: i + 1, cells: cells.map(csvCell) }))
  return shape(rows, { format: 'csv', encoding, delimiter, sheetName: null }, options)
}

/** Trims the padding exports add (tabs that force Excel to keep digits as text, full-width spaces, ="…" wrappers). */
function csvCell(raw: string): Cell {
  let s = raw.replace(/^[\s\u3000\ufeff]+|[\s\u3000]+$/g, '')
  const wrapped = /^="(.*)"$/s.exec(s)
  if (wrapped) s = wrapped[1]!.trim()
  return s === '' ? null : s
}

// ---------------------------------------------------------------- XLSX

/** Reads a zip's central directory: names and unpacked sizes, without unpacking anything. */
function zipEntries(bytes: Buffer): { names: string[]; unpacked: number } {
  const malformed = () => new TableReadError('malformed', 'The .xlsx file is damaged (its zip directory cannot be read).')
  let eocd = -1
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 65557); i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw malformed()
  const count = bytes.readUInt16LE(eocd + 10)
  const offset = bytes.readUInt32LE(eocd + 16)
  if (count === 0xffff || offset === 0xffffffff) throw new TableReadError('tooLarge', 'The workbook is too large (zip64).', { size: '>4 GB', limit: '' })
  const names: string[] = []
  let unpacked = 0
  let p = offset
  for (let i = 0; i < count; i++) {
    if (p + 46 > bytes.length || bytes.readUInt32LE(p) !== 0x02014b50) throw malformed()
    unpacked += bytes.readUInt32LE(p + 24)
    const nameLength = bytes.readUInt16LE(p + 28)
    const extraLength = bytes.readUInt16LE(p + 30)
    const commentLength = bytes.readUInt16LE(p + 32)
    names.push(bytes.toString('utf8', p + 46, p + 46 + nameLength))
    p += 46 + nameLength + extraLength + commentLength
  }
  return { names, unpacked }
}

async function readXlsx(bytes: Buffer, options: ReadTableOptions, maxBytes: number): Promise<Table> {
  const { names, unpacked } = zipEntries(bytes)
  if (!names.includes('xl/workbook.xml')) {
    throw new TableReadError('unsupportedType', 'This is a zip archive, not an Excel workbook. Upload a CSV or .xlsx file.', { kind: 'a zip archive' })
  }
  const limit = maxBytes * MAX_UNZIPPED_FACTOR
  if (unpacked > limit) {
    throw new TableReadError('tooLarge', `The workbook unpacks to ${formatBytes(unpacked)}; the limit is ${formatBytes(limit)}.`, {
      size: formatBytes(unpacked),
      limit: formatBytes(limit),
    })
  }
  const workbook = new ExcelJS.Workbook()
  try {
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
  } catch (error) {
    const detail = (error as Error).message
    throw new TableReadError('malformed', `The workbook could not be read: ${detail}`, { detail })
  }
  const sheet = workbook.worksheets.find((ws) => ws.state === 'visible' && ws.actualRowCount > 0) ?? workbook.worksheets[0]
  if (!sheet) throw new TableReadError('empty', 'The workbook has no worksheet.')
  const rows: TableRow[] = []
  const last = sheet.rowCount
  const maxRows = (options.maxRows ?? DEFAULT_MAX_ROWS) + HEADER_SEARCH_ROWS
  if (sheet.actualRowCount > maxRows) throw tooManyRows(options.maxRows ?? DEFAULT_MAX_ROWS)
  for (let r = 1; r <= last; r++) {
    const row = sheet.getRow(r)
    const cells: Cell[] = []
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      // a merged range keeps its value in its first cell; the others would repeat it
      if (cell.type === ExcelJS.ValueType.Merge) return
      cells[col - 1] = xlsxCell(cell.value)
    })
    for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = null
    rows.push({ rowNumber: r, cells })
  }
  return shape(rows, { format: 'xlsx', encoding: null, delimiter: null, sheetName: sheet.name }, options)
}

/** Formulas become their result, rich text and hyperlinks their plain text, errors nothing. Dates stay Dates. */
function xlsxCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  if (typeof value === 'string') return csvCell(value)
  if (typeof value === 'number' || typeof value === 'boolean') return value
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) return csvCell(value.richText.map((part) => part.text).join(''))
    if ('formula' in value || 'sharedFormula' in value) return xlsxCell((value as { result?: ExcelJS.CellValue }).result ?? null)
    if ('hyperlink' in value) return xlsxCell((value as { text?: ExcelJS.CellValue }).text ?? null)
    if ('error' in value) return null
  }
  return csvCell(String(value))
}

// ---------------------------------------------------------------- header, titles, totals

export function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return ''
  if (cell instanceof Date) return cell.toISOString()
  return String(cell).trim()
}

function tooManyRows(max: number) {
  return new TableReadError('tooManyRows', `The file has more than ${max} rows. Split it into smaller files.`, { max })
}

function shape(
  all: TableRow[],
  meta: Pick<Table, 'format' | 'encoding' | 'delimiter' | 'sheetName'>,
  options: ReadTableOptions,
): Table {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS
  const isBlank = (row: TableRow) => row.cells.every((c) => cellText(c) === '')
  const filled = (row: TableRow) => row.cells.filter((c) => cellText(c) !== '').length
  const known = (row: TableRow) => row.cells.filter((c) => typeof c === 'string' && options.isKnownHeader(c)).length

  if (all.every(isBlank)) throw new TableReadError('empty', 'The file has no rows.')
  const top = all.slice(0, HEADER_SEARCH_ROWS + 1)
  let headerIndex = top.findIndex((row) => known(row) >= 2)
  const recognised = headerIndex >= 0
  if (!recognised) headerIndex = top.findIndex((row) => filled(row) >= 2)
  if (headerIndex < 0) {
    throw new TableReadError('noHeader', 'No header row was found: the first rows should name the columns (姓名, 手机, 留资时间 …).')
  }
  const header = all[headerIndex]!
  const headers = header.cells.map((c) => cellText(c).replace(/\s+/g, ' '))
  const skipped: SkippedRow[] = []
  const rowText = (row: TableRow) =>
    row.cells
      .map(cellText)
      .filter((s) => s)
      .join(' ')
      .slice(0, 200)
  for (const row of all.slice(0, headerIndex)) {
    skipped.push({ rowNumber: row.rowNumber, why: isBlank(row) ? 'blank' : 'title', text: rowText(row) })
  }
  const rows: TableRow[] = []
  for (const row of all.slice(headerIndex + 1)) {
    if (isBlank(row)) {
      skipped.push({ rowNumber: row.rowNumber, why: 'blank', text: '' })
      continue
    }
    const first = row.cells.map(cellText).find((s) => s !== '') ?? ''
    if (TOTAL_ROW.test(first)) {
      skipped.push({ rowNumber: row.rowNumber, why: 'total', text: rowText(row) })
      continue
    }
    rows.push(row)
    if (rows.length > maxRows) throw tooManyRows(maxRows)
  }
  // a blank row after the last data row is the end of the sheet, not a row anyone left out
  const lastData = rows.at(-1)?.rowNumber ?? header.rowNumber
  const kept = skipped.filter((s) => s.why !== 'blank' || s.rowNumber < lastData)
  return { ...meta, headerRowNumber: header.rowNumber, headerRecognised: recognised, headers, rows, skipped: kept }
}
