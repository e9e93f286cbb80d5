// @ts-check
/**
 * The worker thread of stream-table.ts: reads a spreadsheet file — CSV in any encoding
 * Chinese offices produce, or .xlsx — row by row and hands the rows to the main thread in
 * batches, waiting for the main thread's go-ahead (a credit) before each batch. So memory
 * stays bounded whatever the file's size, and parsing never blocks the server's event loop.
 *
 * Plain JavaScript on purpose: Node loads this file by path in a Worker, in development,
 * in tests and in the production build alike (the Remix build bundles the app into
 * build/index.js and would not compile a separate worker entry). Its message types are
 * declared in stream-table.ts. See docs/decisions/014-background-jobs.md.
 */
import fs from 'node:fs'
import { parentPort, workerData } from 'node:worker_threads'
import iconv from 'iconv-lite'
import Papa from 'papaparse'
import { PhoneHmacBlocks } from './phone-hmac.mjs'

/** @typedef {string | number | boolean | Date | null} Cell */
/** @typedef {{ rowNumber: number, cells: Cell[] }} Row */
/** @typedef {'title' | 'blank' | 'total'} SkipWhy */

const HEADER_SEARCH_ROWS = 30
const MAX_UNZIPPED_FACTOR = 20
const MAX_SKIPPED_LISTED = 1000
const TOTAL_ROW = /^(合\s*计|总\s*计|小\s*计|共\s*计|(grand\s+|sub)?totals?\b|sum\b)/i
/** the first characters TOTAL_ROW can match: most rows are ruled out without it */
const TOTAL_START = new Set([...'合总小共GgSsTt'].map((c) => c.charCodeAt(0)))

/**
 * What a table may hold, in every format, checked here before any of it goes to the main
 * thread (a preview renders its rows; an import keeps them): a cell at most Excel's own limit
 * (32,767 characters); at most 1,000 columns (Excel allows 16,384; DMS exports have 20–200);
 * a row at most 1 MiB of text — a CSV record's limit (MAX_RECORD_CHARS), and what keeps a
 * workbook whose one shared string fills thousands of cells from growing a thousandfold on the
 * way over. A batch also goes over once it holds BATCH_CHARS characters, whatever its rows.
 */
const MAX_CELL_CHARS = 32_767
const MAX_COLUMNS = 1000
const MAX_ROW_CHARS = 1024 * 1024
const BATCH_CHARS = 4 * 1024 * 1024

class ReadError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {Record<string, string | number>} [params]
   */
  constructor(code, message, params = {}) {
    super(message)
    this.code = code
    this.params = params
  }
}

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)
const { path: filePath, options } = /** @type {{ path: string, options: any }} */ (workerData)

// ---------------------------------------------------------------- credits (backpressure)

let credits = options.prefetch ?? 2
/** @type {(() => void) | null} */
let wake = null
port.on('message', (message) => {
  if (message?.type === 'credit') {
    credits++
    wake?.()
  }
})

/**
 * Credits in shared memory, when the consumer passes a SharedArrayBuffer (sales-stream.ts):
 * an atomic add on its side, an atomic wait on this one. Posting a credit as a message was
 * measured at about a millisecond of the consumer's thread per batch (wall time, on a loaded
 * machine, while this thread was posting a batch): a second of a million-row import.
 * @type {Int32Array | null}
 */
const sharedCredits = options.credits instanceof SharedArrayBuffer ? new Int32Array(options.credits) : null

/** @param {any} message @param {ArrayBuffer[]} [transfer] */
async function send(message, transfer) {
  if (sharedCredits) {
    for (;;) {
      const left = Atomics.load(sharedCredits, 0)
      if (left > 0) {
        if (Atomics.compareExchange(sharedCredits, 0, left, left - 1) === left) break
        continue
      }
      const waited = Atomics.waitAsync(sharedCredits, 0, left)
      if (waited.async) await waited.value
    }
    port.postMessage(message, transfer)
    return
  }
  while (credits <= 0) await new Promise((resolve) => (wake = () => resolve(undefined)))
  wake = null
  credits--
  port.postMessage(message, transfer)
}

/**
 * A batch as one flat array of cells, with each row's width and number beside it: cloning
 * one array of strings costs the main thread about a third of cloning a { rowNumber, cells }
 * object per row (stream-table.ts's unpackRows rebuilds the rows).
 * @param {Row[]} rows
 */
function packRows(rows) {
  const rowNumbers = new Int32Array(rows.length)
  const widths = new Int32Array(rows.length)
  // filled by push, not preallocated: a holey array is cloned element by element, twice as slow
  /** @type {Cell[]} */
  const cells = []
  for (let i = 0; i < rows.length; i++) {
    const row = /** @type {Row} */ (rows[i])
    rowNumbers[i] = row.rowNumber
    widths[i] = row.cells.length
    for (const cell of row.cells) cells.push(cell)
  }
  return { rowNumbers, widths, cells }
}

// ---------------------------------------------------------------- what a table may hold

/** A column as Excel names it: 0 → A, 26 → AA. @param {number} index */
function columnName(index) {
  let name = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name
  return name
}

/** @param {number} rowNumber @param {number} count */
const tooManyColumns = (rowNumber, count) =>
  new ReadError('tooManyColumns', `Row ${rowNumber} has ${count} columns; at most ${MAX_COLUMNS} can be read.`, { row: rowNumber, count, max: MAX_COLUMNS })

/** @param {number} rowNumber @param {number} index @param {number} length */
const cellTooLong = (rowNumber, index, length) =>
  new ReadError('cellTooLong', `The cell in row ${rowNumber}, column ${columnName(index)} holds ${length} characters; a cell may hold at most ${MAX_CELL_CHARS}.`, {
    row: rowNumber,
    column: columnName(index),
    length,
    max: MAX_CELL_CHARS,
  })

/** @param {number} rowNumber @param {number} length */
const rowTooLong = (rowNumber, length) =>
  new ReadError('rowTooLong', `Row ${rowNumber} holds ${length} characters; a row may hold at most ${MAX_ROW_CHARS}.`, { row: rowNumber, length, max: MAX_ROW_CHARS })

/**
 * Refuses a row wider, or a cell or row longer, than a table may be; returns the row's characters.
 * @param {Row} row
 */
function checkRow(row) {
  const cells = row.cells
  if (cells.length > MAX_COLUMNS) throw tooManyColumns(row.rowNumber, cells.length)
  let chars = 0
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]
    if (typeof cell !== 'string') continue
    if (cell.length > MAX_CELL_CHARS) throw cellTooLong(row.rowNumber, i, cell.length)
    chars += cell.length
  }
  if (chars > MAX_ROW_CHARS) throw rowTooLong(row.rowNumber, chars)
  return chars
}

// ---------------------------------------------------------------- headers, titles, totals

/** @param {string} text */
const normalizeHeader = (text) => text.toLowerCase().replace(/[\s_\-()（）[\]【】:：*/\\.,，、\u3000]/g, '')
/** @type {string[]} */
const known = (options.knownHeaders ?? []).map(normalizeHeader).filter(Boolean)
const knownSet = new Set(known)
/** a header naming a known column: exactly, or containing one (手机号码(脱敏) contains 手机号码) */
const containable = known.filter((k) => (/[^\x00-\x7f]/.test(k) ? k.length >= 2 : k.length >= 4))
/** @param {Cell} cell */
function isKnownHeader(cell) {
  if (typeof cell !== 'string') return false
  const h = normalizeHeader(cell)
  return h !== '' && (knownSet.has(h) || containable.some((k) => h.includes(k)))
}

/** @param {Cell | undefined} cell */
function cellText(cell) {
  if (cell === null || cell === undefined) return ''
  if (cell instanceof Date) return cell.toISOString()
  return String(cell).trim()
}
/** @param {Row} row */
const isBlank = (row) => row.cells.every((c) => cellText(c) === '')
/** @param {Row} row */
const filled = (row) => row.cells.filter((c) => cellText(c) !== '').length
/** @param {Row} row */
const rowText = (row) => row.cells.map(cellText).filter((s) => s).join(' ').slice(0, 200)

/** the header went to the main thread: from here on a file can no longer be read again another way */
let headPosted = false

/**
 * Turns rows into the header and data rows, as read-table.ts does for a whole file:
 * the header is the first of the top rows naming two known columns (else the first with
 * two filled cells, or the row the caller names); title, blank and totals rows are skipped
 * and reported; blank rows after the last data row are the end of the sheet, not reported.
 */
class Shaper {
  /** @param {{ format: 'csv' | 'xlsx' | 'xls' | 'html', encoding: string | null, finalEncoding?: () => string | null, delimiter: string | null, sheetName: string | null, totalBytes: number, bytesRead: () => number }} meta */
  constructor(meta) {
    this.meta = meta
    /** @type {Row[]} */
    this.top = []
    /** @type {Row | null} */
    this.header = null
    this.recognised = false
    /** @type {Row[]} */
    this.batch = []
    /** the characters of the batch's cells (the default packing) */
    this.batchChars = 0
    /** @type {{ rowNumber: number, why: SkipWhy, text: string }[]} */
    this.skipped = []
    this.counts = { title: 0, blank: 0, total: 0 }
    /** blank rows not yet known to lie between data rows */
    this.pendingBlanks = /** @type {number[]} */ ([])
    this.pendingBlankCount = 0
    this.dataRows = 0
    this.lastRowNumber = 0
    this.done = false
    this.batchSize = options.batchSize ?? 2000
    this.previewRows = options.previewRows ?? null
    this.maxRows = options.maxRows ?? null
    /** the 'text' packing (CSV only): data rows go to the main thread as one string and offsets */
    this.textBatch = options.packing === 'text' && meta.format === 'csv' ? new TextBatch() : null
  }

  /** rows in the batch being filled */
  batchRows() {
    return this.textBatch ? this.textBatch.rows : this.batch.length
  }

  /** @param {number} rowNumber @param {SkipWhy} why @param {string} text */
  skip(rowNumber, why, text) {
    this.counts[why]++
    if (this.skipped.length < MAX_SKIPPED_LISTED) this.skipped.push({ rowNumber, why, text })
  }

  /**
   * Takes the next row; returns a promise only when the caller must wait (a batch is being
   * handed over), so that the common case costs no promise per row.
   * @param {Row} row
   * @returns {Promise<void> | undefined}
   */
  push(row) {
    if (this.done) return
    const chars = checkRow(row)
    // rows an .xlsx leaves out are blank rows
    for (let n = this.lastRowNumber + 1; n < row.rowNumber && !this.header && this.top.length <= HEADER_SEARCH_ROWS; n++) {
      this.top.push({ rowNumber: n, cells: [] })
    }
    if (this.header && row.rowNumber > this.lastRowNumber + 1) {
      for (let n = this.lastRowNumber + 1; n < row.rowNumber; n++) this.blank(n)
    }
    this.lastRowNumber = row.rowNumber
    if (!this.header) {
      this.top.push(row)
      const named = options.headerRowNumber
      if (named ? row.rowNumber === named : row.cells.filter(isKnownHeader).length >= 2) return this.takeHeader(this.top.length - 1, !named)
      if (named ? row.rowNumber > named : this.top.length > HEADER_SEARCH_ROWS + 1) return this.fallbackHeader()
      return
    }
    return this.data(row, chars)
  }

  /** @param {number} n */
  blank(n) {
    if (this.pendingBlanks.length < MAX_SKIPPED_LISTED) this.pendingBlanks.push(n)
    this.pendingBlankCount++
  }

  async fallbackHeader() {
    if (this.top.every(isBlank)) throw new ReadError('empty', 'The file has no rows.')
    const index = this.top.findIndex((row) => filled(row) >= 2)
    if (index < 0) throw new ReadError('noHeader', 'No header row was found: the first rows should name the columns.')
    await this.takeHeader(index, false)
  }

  /** @param {number} index @param {boolean} recognised */
  async takeHeader(index, recognised) {
    const header = /** @type {Row} */ (this.top[index])
    this.header = header
    headPosted = true
    this.recognised = recognised
    for (const row of this.top.slice(0, index)) this.skip(row.rowNumber, isBlank(row) ? 'blank' : 'title', rowText(row))
    const rest = this.top.slice(index + 1)
    this.top = []
    port.postMessage({
      type: 'head',
      head: {
        format: this.meta.format,
        encoding: this.meta.encoding,
        delimiter: this.meta.delimiter,
        sheetName: this.meta.sheetName,
        headerRowNumber: header.rowNumber,
        headerRecognised: recognised,
        headers: header.cells.map((c) => cellText(c).replace(/\s+/g, ' ')),
        totalBytes: this.meta.totalBytes,
      },
    })
    for (const row of rest) {
      const wait = this.data(row, checkRow(row))
      if (wait) await wait
    }
  }

  /**
   * @param {Row} row @param {number} chars its characters (checkRow)
   * @returns {Promise<void> | undefined}
   */
  data(row, chars) {
    if (this.done) return
    let first = ''
    for (const cell of row.cells) {
      first = cellText(cell)
      if (first !== '') break
    }
    if (first === '') {
      this.blank(row.rowNumber)
      return
    }
    if (TOTAL_ROW.test(first)) {
      this.skip(row.rowNumber, 'total', rowText(row))
      return
    }
    this.countData()
    if (this.textBatch) {
      this.textBatch.row(row.rowNumber, row.cells.length)
      for (const cell of row.cells) this.textBatch.addString(cell === null ? null : String(cell))
    } else {
      this.batch.push(row)
      this.batchChars += chars
    }
    return this.afterData()
  }

  /**
   * A data row as CsvCells scanned it (the 'text' packing), read as data() reads a row but
   * without a string per cell: the first filled cell's first character rules out a totals
   * row before any pattern runs.
   * @param {CsvCells} scan @param {number} k its first cell @param {number} width @param {number} rowNumber
   * @returns {Promise<void> | undefined}
   */
  dataScanned(scan, k, width, rowNumber) {
    if (this.done) return
    if (width > MAX_COLUMNS) throw tooManyColumns(rowNumber, width)
    let chars = 0
    for (let i = 0; i < width; i++) {
      const s = /** @type {number} */ (scan.starts[k + i])
      const length = s < 0 ? /** @type {string} */ (scan.specials[-1 - s]).length : /** @type {number} */ (scan.ends[k + i]) - s
      if (length > MAX_CELL_CHARS) throw cellTooLong(rowNumber, i, length)
      chars += length
    }
    if (chars > MAX_ROW_CHARS) throw rowTooLong(rowNumber, chars)
    this.lastRowNumber = rowNumber
    let j = 0
    for (; j < width; j++) {
      const s = /** @type {number} */ (scan.starts[k + j])
      if (s < 0 || s !== scan.ends[k + j]) break
    }
    if (j === width) {
      this.blank(rowNumber)
      return
    }
    const s = /** @type {number} */ (scan.starts[k + j])
    const c = s < 0 ? /** @type {string} */ (scan.specials[-1 - s]).charCodeAt(0) : scan.text.charCodeAt(s)
    if (TOTAL_START.has(c) && TOTAL_ROW.test(/** @type {string} */ (scan.value(k + j)))) {
      /** @type {Cell[]} */
      const cells = []
      for (let i = 0; i < width; i++) cells.push(scan.value(k + i))
      this.skip(rowNumber, 'total', rowText({ rowNumber, cells }))
      return
    }
    this.countData()
    const batch = /** @type {TextBatch} */ (this.textBatch)
    batch.row(rowNumber, width)
    for (let i = 0; i < width; i++) batch.addScanned(scan, k + i)
    return this.afterData()
  }

  /** a data row is taken: the blank rows before it were between data rows */
  countData() {
    if (this.pendingBlankCount) {
      for (const n of this.pendingBlanks) this.skip(n, 'blank', '')
      this.counts.blank += this.pendingBlankCount - this.pendingBlanks.length
      this.pendingBlanks = []
      this.pendingBlankCount = 0
    }
    this.dataRows++
    if (this.maxRows !== null && this.dataRows > this.maxRows) {
      throw new ReadError('tooManyRows', `The file has more than ${this.maxRows} rows. Split it into smaller files.`, { max: this.maxRows })
    }
  }

  /** @returns {Promise<void> | undefined} */
  afterData() {
    if (this.previewRows !== null && this.dataRows >= this.previewRows) {
      this.done = true
      return this.flush()
    }
    if (this.batchRows() >= this.batchSize || this.batchChars >= BATCH_CHARS) return this.flush()
  }

  async flush() {
    if (this.textBatch) {
      if (!this.textBatch.rows) return
      const packed = this.textBatch.pack()
      this.textBatch = new TextBatch()
      const transfer = [packed.codes.buffer, packed.starts.buffer, packed.ends.buffer, packed.rowNumbers.buffer, packed.widths.buffer]
      if (packed.hashes) transfer.push(packed.hashes.buffer, packed.hashed.buffer)
      await send({ type: 'text', packed, bytesRead: this.meta.bytesRead(), totalBytes: this.meta.totalBytes }, transfer)
      return
    }
    if (!this.batch.length) return
    const packed = packRows(this.batch)
    this.batch = []
    this.batchChars = 0
    await send({ type: 'rows', packed, bytesRead: this.meta.bytesRead(), totalBytes: this.meta.totalBytes }, [packed.rowNumbers.buffer, packed.widths.buffer])
  }

  /** the input ended (or the preview has its rows) */
  async end() {
    if (!this.header) await this.fallbackHeader()
    await this.flush()
    port.postMessage({
      type: 'end',
      summary: {
        dataRows: this.dataRows,
        encoding: this.meta.finalEncoding ? this.meta.finalEncoding() : this.meta.encoding,
        skipped: this.skipped,
        skippedCounts: this.counts,
        complete: !this.done,
        bytesRead: this.done ? this.meta.bytesRead() : this.meta.totalBytes,
        totalBytes: this.meta.totalBytes,
      },
    })
  }
}

// ---------------------------------------------------------------- file type

/** @type {Array<[string, number[]]>} */
const MAGIC = [
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
/** @param {Buffer} bytes @param {number[]} magic */
const startsWith = (bytes, magic) => magic.every((b, i) => bytes[i] === b)

/** @param {number} n */
const formatBytes = (n) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`)

async function main() {
  const stat = await fs.promises.stat(filePath)
  const totalBytes = stat.size
  if (totalBytes === 0) throw new ReadError('empty', 'The file is empty.')
  if (options.maxBytes && totalBytes > options.maxBytes) {
    throw new ReadError('tooLarge', `The file is ${formatBytes(totalBytes)}; the limit is ${formatBytes(options.maxBytes)}.`, {
      size: formatBytes(totalBytes),
      limit: formatBytes(options.maxBytes),
    })
  }
  const handle = await fs.promises.open(filePath, 'r')
  const head = Buffer.alloc(Math.min(totalBytes, 64 * 1024))
  try {
    await handle.read(head, 0, head.length, 0)
    if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) {
      await checkZip(handle, totalBytes)
      await handle.close()
      return readXlsx(totalBytes)
    }
  } finally {
    await handle.close().catch(() => {})
  }
  // an old Excel workbook (.xls, BIFF) — or an Office file that is not one, or a workbook under a password
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return readWorkbook('xls', totalBytes)
  for (const [what, magic] of MAGIC) {
    if (startsWith(head, magic)) throw new ReadError('unsupportedType', `This is not a spreadsheet (it looks like ${what}). Upload a CSV or .xlsx file.`, { kind: what })
  }
  // a web page or Excel 2003 XML under an .xls name: what many web-based DMS and lead platforms export
  if (isMarkupTable(head)) return readWorkbook('html', totalBytes)
  return readCsv(head, totalBytes)
}

// ---------------------------------------------------------------- .xls and web-page tables

/**
 * Files read whole (SheetJS builds the workbook in memory, within the worker's heap limit):
 * measured with 16 columns, an .xls of 20,000 rows (5.7 MB) and a web page of 30,000 rows
 * (11.6 MB) are read in 2 s within the 192 MB default; 30,000 rows of .xls (8.6 MB) are not.
 * A larger file is refused with the advice to save it as .xlsx or CSV, which are streamed. An
 * .xlsx comes this way only when the streaming reader refused it, and only up to 2 MB.
 */
const MAX_WORKBOOK_BYTES = { xls: 6 * 1024 * 1024, html: 12 * 1024 * 1024, xlsx: 2 * 1024 * 1024 }

/** a cell spanning more than one row or column */
const MERGED_CELL = /\b(?:rowspan|colspan)\s*=\s*["']?\s*0*(?:[2-9]|[1-9]\d+)/gi
const MAX_MERGED_CELLS = 1000

/**
 * Markup rather than CSV: the first non-blank character is '<' and the first 64 KB hold an HTML
 * table (or page) or Excel 2003's XML Spreadsheet namespace. A CSV never starts with a tag.
 * @param {Buffer} head
 */
function isMarkupTable(head) {
  // the encoding as a CSV's is told; tags are ASCII, so UTF-8 and GB18030 read alike here
  const { encoding, skip } = sniffEncoding(head)
  const text = (encoding.startsWith('utf-16') ? iconv.decode(head.subarray(skip), encoding) : head.subarray(skip).toString('latin1')).trimStart()
  if (!text.startsWith('<')) return false
  const lower = text.toLowerCase()
  return /<(table|html|!doctype html)[\s>]/.test(lower) || lower.includes('urn:schemas-microsoft-com:office:spreadsheet')
}

/**
 * A web page's text: its encoding as a CSV's is told (a byte-order mark, UTF-16 by its NULs),
 * else the charset its <meta> or XML declaration names (gb2312 and GBK read as GB18030, their
 * superset), else UTF-8 when the bytes are valid UTF-8, else GB18030.
 * @param {Buffer} bytes
 * @returns {{ text: string, encoding: string }}
 */
function decodeMarkup(bytes) {
  const { encoding, skip } = sniffEncoding(bytes)
  if (encoding !== 'auto') return { text: iconv.decode(bytes.subarray(skip), encoding === 'utf-8-bom' ? 'utf-8' : encoding), encoding }
  const declared = /<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_-]+)|<\?xml[^>]*encoding\s*=\s*["']([a-z0-9_-]+)/i.exec(bytes.subarray(0, 4096).toString('latin1'))
  const charset = (declared?.[1] ?? declared?.[2] ?? '').toLowerCase()
  if (/^(gb2312|gbk|gb18030|x-gbk|cp936|euc-cn)$/.test(charset)) return { text: iconv.decode(bytes, 'gb18030'), encoding: 'gb18030' }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' }
  } catch {
    return { text: iconv.decode(bytes, 'gb18030'), encoding: 'gb18030' }
  }
}

/**
 * An .xls workbook or a web-page table, read whole by SheetJS, its first visible sheet (or the
 * one asked for) handed to the Shaper row by row as an .xlsx's are. .xls cells keep their
 * types (a number with a date format is a date, as in .xlsx); a web page's cells stay text,
 * as a CSV's do, for the importers' own parsing of amounts and dates.
 * An .xlsx comes here only when the streaming reader refused it (`refusedBy`, its reason).
 * @param {'xls' | 'html' | 'xlsx'} kind @param {number} totalBytes @param {string | null} [refusedBy]
 */
async function readWorkbook(kind, totalBytes, refusedBy = null) {
  const limit = MAX_WORKBOOK_BYTES[kind]
  if (totalBytes > limit) {
    throw new ReadError('workbookTooLarge', `An old Excel (.xls) or web-page file is read whole and may be at most ${formatBytes(limit)} (this one is ${formatBytes(totalBytes)}). Save it as .xlsx or CSV.`, {
      size: formatBytes(totalBytes),
      limit: formatBytes(limit),
    })
  }
  const bytes = await fs.promises.readFile(filePath)
  // loaded only for these files, as exceljs is for .xlsx
  const XLSX = await import('@e965/xlsx')
  /** @type {string | null} */
  let encoding = null
  /** @type {any} */
  let book
  // SheetJS reports records it does not know on the console: nothing for the server's log
  const quiet = { error: console.error, warn: console.warn, log: console.log }
  console.error = console.warn = console.log = () => {}
  try {
    if (kind !== 'html') {
      book = XLSX.read(bytes, { type: 'buffer', dense: true, cellNF: true, cellDates: false, cellHTML: false, cellText: false, cellStyles: false, bookVBA: false })
    } else {
      const decoded = decodeMarkup(bytes)
      encoding = decoded.encoding
      // SheetJS places each cell of a page past the merged ones before it: time grows with rows
      // × merges (80,000 rows with a rowspan each: 149 s of a core). Exports merge a title row.
      const merged = decoded.text.match(MERGED_CELL)?.length ?? 0
      if (merged > MAX_MERGED_CELLS) {
        throw new ReadError('mergedCells', `This web-page table has ${merged} merged cells; at most ${MAX_MERGED_CELLS} can be read. Save it as .xlsx or CSV.`, { count: merged, limit: MAX_MERGED_CELLS })
      }
      book = XLSX.read(decoded.text, { type: 'string', dense: true, raw: true, cellNF: true, cellDates: false, cellHTML: false, cellText: false, cellStyles: false })
    }
  } catch (error) {
    if (error instanceof ReadError) throw error
    const detail = String(/** @type {Error} */ (error)?.message ?? error)
    if (kind === 'xlsx') throw new ReadError('malformed', `The workbook could not be read: ${refusedBy ?? detail}`, { detail: refusedBy ?? detail })
    if (kind === 'xls') {
      throw new ReadError('oldExcel', 'This Excel file could not be read: it is password-protected, damaged, or not a workbook. Save it as .xlsx without a password, or as CSV, and upload that.', { detail })
    }
    throw new ReadError('malformed', `The web-page table could not be read: ${detail}`, { detail })
  } finally {
    Object.assign(console, quiet)
  }
  const date1904 = Boolean(book.Workbook?.WBProps?.date1904)
  const sheets = /** @type {any[]} */ (book.Workbook?.Sheets ?? [])
  const wanted = options.sheetName ?? null
  let found = false
  for (let i = 0; i < book.SheetNames.length && !found; i++) {
    const name = /** @type {string} */ (book.SheetNames[i])
    if (wanted ? name !== wanted : (sheets[i]?.Hidden ?? 0) !== 0) continue
    /** @type {any[][]} */
    const data = book.Sheets[name]?.['!data'] ?? []
    const shaper = new Shaper({ format: kind, encoding, delimiter: null, sheetName: kind === 'html' ? null : name, totalBytes, bytesRead: () => totalBytes })
    let rows = 0
    for (let r = 0; r < data.length; r++) {
      const row = data[r]
      if (!row) continue
      /** @type {Cell[]} */
      const cells = new Array(row.length)
      let any = false
      for (let c = 0; c < row.length; c++) {
        const cell = workbookCell(row[c], date1904)
        cells[c] = cell
        if (cell !== null) any = true
      }
      // a row of empty cells is left out, as .xlsx leaves it out: the Shaper counts the gap as blank
      if (!any) continue
      rows++
      const wait = shaper.push({ rowNumber: r + 1, cells })
      if (wait) await wait
      if (shaper.done) break
    }
    // the first visible sheet was empty: the next one may hold the table (unless one was named)
    if (!rows && !wanted) continue
    found = true
    await shaper.end()
  }
  if (!found) {
    if (wanted) throw new ReadError('noSheet', `The workbook has no worksheet named ${wanted}.`, { sheet: wanted })
    throw new ReadError('empty', 'The workbook has no rows.')
  }
}

/**
 * A SheetJS cell as the importers take it: numbers (a date when its format shows one), text
 * trimmed as a CSV cell is, booleans; errors and empty cells nothing.
 * @param {any} cell @param {boolean} date1904
 * @returns {Cell}
 */
function workbookCell(cell, date1904) {
  if (!cell) return null
  const v = cell.v
  switch (cell.t) {
    case 'n':
      if (typeof v !== 'number' || !Number.isFinite(v)) return null
      return isDateFormat(cell.z) ? excelDate(v, date1904) : v
    case 's':
    case 'str':
      return v === undefined || v === null ? null : csvCell(String(v))
    case 'b':
      return Boolean(v)
    case 'd':
      return v instanceof Date && !Number.isNaN(v.getTime()) ? v : null
    default:
      return null
  }
}

// ---------------------------------------------------------------- CSV

/**
 * The encoding, as read-table.ts's decodeText tells it, but from the first bytes only:
 * a BOM; NUL bytes in every other place (UTF-16 without BOM); otherwise UTF-8 or GB18030
 * is decided at the first non-ASCII bytes (see Utf8OrGb18030).
 * @param {Buffer} head
 * @returns {{ encoding: string, skip: number }}
 */
function sniffEncoding(head) {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return { encoding: 'utf-8-bom', skip: 3 }
  if (startsWith(head, [0xff, 0xfe])) return { encoding: 'utf-16le', skip: 2 }
  if (startsWith(head, [0xfe, 0xff])) return { encoding: 'utf-16be', skip: 2 }
  const sample = head.subarray(0, 4096)
  let evenNul = 0
  let oddNul = 0
  for (let i = 0; i < sample.length; i++) if (sample[i] === 0) i % 2 === 0 ? evenNul++ : oddNul++
  const half = sample.length / 2
  if (oddNul > half * 0.3 && evenNul < half * 0.05) return { encoding: 'utf-16le', skip: 0 }
  if (evenNul > half * 0.3 && oddNul < half * 0.05) return { encoding: 'utf-16be', skip: 0 }
  return { encoding: 'auto', skip: 0 }
}

const undecodable = () =>
  new ReadError('undecodable', 'The file says it is UTF-8 but contains bytes that are not UTF-8. Save it again as CSV (UTF-8).')

/**
 * Decodes UTF-8 or GB18030 without knowing which in advance: ASCII is the same in both, so
 * text passes through until the first bytes above 0x7F; those and the next few KB decide —
 * valid UTF-8 → UTF-8 (strict from then on), else GB18030 (what Excel on Chinese Windows
 * writes).
 */
class Utf8OrGb18030 {
  constructor() {
    /** @type {string | null} */
    this.encoding = null
    /** @type {{ write: (b: Buffer) => string, end: () => string } | null} */
    this.decoder = null
    /** @type {Buffer[]} */
    this.pending = []
    this.pendingBytes = 0
  }

  /** @param {Buffer} chunk */
  write(chunk) {
    if (this.decoder) return this.decoder.write(chunk)
    if (!this.pending.length) {
      const high = chunk.findIndex((b) => b > 0x7f)
      if (high < 0) return chunk.toString('latin1')
      this.pending.push(chunk.subarray(high))
      this.pendingBytes = chunk.length - high
      const ascii = chunk.toString('latin1', 0, high)
      return ascii + (this.pendingBytes >= 4096 ? this.decide(false) : '')
    }
    this.pending.push(chunk)
    this.pendingBytes += chunk.length
    return this.pendingBytes >= 4096 ? this.decide(false) : ''
  }

  /** @param {boolean} last */
  decide(last) {
    const sample = Buffer.concat(this.pending)
    this.pending = []
    let utf8 = true
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !last })
    } catch {
      utf8 = false
    }
    this.encoding = utf8 ? 'utf-8' : 'gb18030'
    if (utf8) {
      const decoder = new TextDecoder('utf-8', { fatal: true })
      this.decoder = {
        write: (b) => {
          try {
            return decoder.decode(b, { stream: true })
          } catch {
            throw undecodable()
          }
        },
        end: () => {
          try {
            return decoder.decode()
          } catch {
            throw undecodable()
          }
        },
      }
    } else {
      // the platform's decoder (ICU, the WHATWG gb18030 table): about 2.5× iconv-lite's speed
      // on a GB18030 export, and the same text for every valid GBK / GB18030 sequence except
      // 18 two-byte codes that GB18030-2022 moved from private-use code points to the real
      // characters (A6D9…A6F3 vertical punctuation, FE59…FEA0 eight rare ideographs); bytes
      // that are no GB18030 become U+FFFD, where iconv-lite made up code points (ADR 014)
      const decoder = new TextDecoder('gb18030')
      this.decoder = { write: (b) => decoder.decode(b, { stream: true }), end: () => decoder.decode() }
    }
    return this.decoder.write(sample)
  }

  end() {
    if (this.decoder) return this.decoder.end()
    if (this.pending.length) return this.decide(true) + /** @type {any} */ (this.decoder).end()
    this.encoding ??= 'utf-8'
    return ''
  }
}

/** Text with NULs or many control characters is not a table but a binary file under a .csv name. @param {string} text */
function checkLooksLikeText(text) {
  const n = Math.min(text.length, 65536)
  let control = 0
  let replaced = 0
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i)
    if (c === 0) throw new ReadError('binary', 'This file is not text: it looks like a binary file. Upload a CSV or .xlsx file.')
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c === 127) control++
    else if (c === 0xfffd) replaced++
  }
  if (control > n * 0.01) throw new ReadError('binary', 'This file is not text: it looks like a binary file. Upload a CSV or .xlsx file.')
  if (replaced > Math.max(3, n * 0.01)) throw new ReadError('undecodable', 'The text of this file could not be decoded as UTF-8, UTF-16 or GBK/GB18030.')
}

/** Excel writes TSV for "Unicode text"; some exports use ; or |. The most frequent one in the first lines wins. @param {string} text */
function detectDelimiter(text) {
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

/** @param {number} c a UTF-16 code unit: is it one of the characters \s matches? */
function isSpace(c) {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13)
  if (c < 0xa0) return false
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
}

/** Trims the padding exports add (tabs that keep digits as text in Excel, full-width spaces, ="…" wrappers). @param {string} raw */
function csvCell(raw) {
  if (raw === '') return null
  const first = raw.charCodeAt(0)
  // most cells have nothing to trim or unwrap: no regex for them
  if (first !== 61 && !isSpace(first) && !isSpace(raw.charCodeAt(raw.length - 1))) return raw
  let s = raw.replace(/^[\s\u3000\ufeff]+|[\s\u3000]+$/g, '')
  const wrapped = /^="(.*)"$/s.exec(s)
  if (wrapped) s = /** @type {string} */ (wrapped[1]).trim()
  return s === '' ? null : s
}

/** a record longer than this (characters) is a broken file — a quote never closed — rather than data to hold in memory */
const MAX_RECORD_CHARS = 1024 * 1024
const LONE_CR = /\r(?!\n)/
const LONE_CR_OR_LF = /\r(?!\n)|(?<!\r)\n/

/** @param {number} rowNumber */
const unclosedQuote = (rowNumber) => {
  const detail = `a quoted cell on row ${rowNumber} is never closed`
  return new ReadError('malformed', `The CSV could not be read: ${detail}`, { detail })
}

/**
 * Splits decoded text into records, chunk by chunk, holding only the unfinished last
 * record between chunks. Reads as csv-parse did with relax_quotes and \r\n, \n and \r all
 * ending a record: RFC 4180 quoting, delimiters and line breaks inside quotes, a stray quote
 * inside an unquoted cell kept as it is (as Excel does), rows of any length.
 *
 * papaparse does the work (about ten times faster). It takes one line break: \r\n for a
 * chunk that has no other, else \n, and then the \r a CRLF leaves at the end of a record's
 * last cell is cut off. A chunk it would read differently — a lone \r ending a record (old
 * Mac files, mixed line endings), a closing quote followed by text (papaparse reads on to
 * the next quote; csv-parse kept the cell as written) or by spaces (papaparse drops them
 * with the quotes) — goes to parseExact instead. Both start at a record's start, so they
 * can take turns.
 */
class CsvRecords {
  /** @param {string} delimiter */
  constructor(delimiter) {
    this.delimiter = delimiter
    this.papaLf = new Papa.Parser({ delimiter, newline: '\n', quoteChar: '"' })
    this.papaCrLf = new Papa.Parser({ delimiter, newline: '\r\n', quoteChar: '"' })
    const d = delimiter.replace(/[|\\]/g, '\\$&')
    this.spaceAfterQuote = new RegExp(`"[^\\S\\r\\n]+(?:${d}|\\r|\\n|$)`)
    this.partial = ''
    this.rows = 0
  }

  /** the records the text completes @param {string} text */
  push(text) {
    return this.parse(this.partial ? this.partial + text : text, false)
  }

  /** the last record, at the end of the input */
  end() {
    return this.parse(this.partial, true)
  }

  /**
   * Which line breaks the text has: 'lf' (and perhaps CRLF too), 'crlf' only, or a lone \r
   * somewhere ('cr'). A \r at the very end may be half of a \r\n still to come.
   * @param {string} input @param {boolean} final
   */
  lineBreaks(input, final) {
    if (input.indexOf('\r') < 0) return 'lf'
    const at = input.search(LONE_CR_OR_LF)
    if (at < 0 || (at === input.length - 1 && !final && input.charCodeAt(at) === 13)) return 'crlf'
    if (input.charCodeAt(at) === 13) return 'cr'
    const cr = input.slice(at).search(LONE_CR)
    return cr < 0 || (at + cr === input.length - 1 && !final) ? 'lf' : 'cr'
  }

  /** @param {string} input @param {boolean} final @returns {string[][]} */
  parse(input, final) {
    if (!input) return []
    const breaks = this.lineBreaks(input, final)
    /** @type {string[][] | null} */
    let records = null
    let rest = input.length
    if (breaks !== 'cr' && !(input.includes('"') && this.spaceAfterQuote.test(input))) {
      const result = (breaks === 'crlf' ? this.papaCrLf : this.papaLf).parse(input, 0, !final)
      if (!result.errors.length) {
        records = /** @type {string[][]} */ (result.data)
        if (!final) rest = result.meta.cursor
        if (breaks === 'lf') {
          for (const record of records) {
            const last = /** @type {string} */ (record[record.length - 1])
            if (last.charCodeAt(last.length - 1) === 13) record[record.length - 1] = last.slice(0, -1)
          }
        }
      }
    }
    if (!records) ({ records, rest } = parseExact(input, this.delimiter, final, this.rows + 1))
    this.rows += records.length
    this.partial = rest < input.length ? input.slice(rest) : ''
    if (this.partial.length > MAX_RECORD_CHARS) {
      const detail = `row ${this.rows + 1} is longer than ${MAX_RECORD_CHARS} characters (a quote that is never closed?)`
      throw new ReadError('malformed', `The CSV could not be read: ${detail}`, { detail })
    }
    return records
  }
}

/**
 * Records as csv-parse reads them with relax_quotes, character by character: for the chunks
 * papaparse would read differently (see CsvRecords). `text` starts at a record's start.
 * @param {string} text
 * @param {string} delimiter one character
 * @param {boolean} final the input ends with this text
 * @param {number} firstRowNumber
 * @returns {{ records: string[][], rest: number }} rest: where an unfinished last record starts
 */
function parseExact(text, delimiter, final, firstRowNumber) {
  const d = delimiter.charCodeAt(0)
  const n = text.length
  /** @type {string[][]} */
  const records = []
  /** @type {string[]} */
  let row = []
  let recordStart = 0
  let pos = 0
  for (;;) {
    if (pos >= n && row.length === 0) return { records, rest: n }
    let value = ''
    if (pos < n && text.charCodeAt(pos) === 34) {
      let from = pos + 1
      for (;;) {
        const close = text.indexOf('"', from)
        if (close < 0 || (close === n - 1 && !final)) {
          if (final) throw unclosedQuote(firstRowNumber + records.length)
          return { records, rest: recordStart }
        }
        if (text.charCodeAt(close + 1) === 34) {
          value += text.slice(from, close + 1)
          from = close + 2
          continue
        }
        value += text.slice(from, close)
        pos = close + 1
        const next = pos < n ? text.charCodeAt(pos) : d
        // a closing quote followed by other text: the cell reads on unquoted, its quotes kept
        if (next !== d && next !== 10 && next !== 13) value = `"${value}"`
        break
      }
    }
    let end = pos
    while (end < n) {
      const c = text.charCodeAt(end)
      if (c === d || c === 10 || c === 13) break
      end++
    }
    value += text.slice(pos, end)
    if (end >= n) {
      if (!final) return { records, rest: recordStart }
      row.push(value)
      records.push(row)
      return { records, rest: n }
    }
    row.push(value)
    const c = text.charCodeAt(end)
    if (c === d) {
      pos = end + 1
      continue
    }
    if (c === 13 && end === n - 1 && !final) return { records, rest: recordStart }
    records.push(row)
    row = []
    pos = c === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1
    recordStart = pos
  }
}

/**
 * The records of decoded text as cell boundaries instead of strings: for the 'text' packing
 * (see TextBatch), where a batch goes to the main thread as one string and the offsets of
 * its cells, so that neither thread makes (or clones, or collects) a string per cell.
 * Reads exactly as parseExact does — it is parseExact with offsets — and trims each cell as
 * csvCell does (by moving its ends). A cell that is no range of the text (a quoted cell with
 * doubled quotes, or with text after its closing quote) is kept as a string in `specials`,
 * its start set to -1 - its index there. Holds only the unfinished last record between chunks.
 */
class CsvCells {
  /** @param {string} delimiter */
  constructor(delimiter) {
    this.d = delimiter.charCodeAt(0)
    this.partial = ''
    this.rows = 0
    /** the text the offsets of the last scan point into */
    this.text = ''
    this.starts = new Int32Array(1 << 16)
    this.ends = new Int32Array(1 << 16)
    this.widths = new Int32Array(1 << 12)
    /** @type {string[]} */
    this.specials = []
    this.records = 0
  }

  /** the records the text completes @param {string} text */
  push(text) {
    this.scan(this.partial ? this.partial + text : text, false)
  }

  /** the last record, at the end of the input */
  end() {
    this.scan(this.partial, true)
  }

  /** @param {number} cells @param {number} records */
  room(cells, records) {
    if (cells >= this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2)
      starts.set(this.starts)
      this.starts = starts
      const ends = new Int32Array(this.ends.length * 2)
      ends.set(this.ends)
      this.ends = ends
    }
    if (records >= this.widths.length) {
      const widths = new Int32Array(this.widths.length * 2)
      widths.set(this.widths)
      this.widths = widths
    }
  }

  /** @param {string} text @param {boolean} final */
  scan(text, final) {
    const d = this.d
    const n = text.length
    this.text = text
    this.specials = []
    let cells = 0
    let records = 0
    let rowCells = 0
    let recordStart = 0
    let pos = 0
    let rest = n
    for (;;) {
      if (pos >= n && rowCells === 0) break
      this.room(cells, records)
      let start = pos
      let end = pos
      /** @type {string | null} */
      let special = null
      if (pos < n && text.charCodeAt(pos) === 34) {
        let from = pos + 1
        /** @type {string | null} the value so far, once it is no longer the text between the quotes */
        let value = null
        let close = -1
        for (;;) {
          close = text.indexOf('"', from)
          if (close < 0 || (close === n - 1 && !final)) {
            if (final) throw unclosedQuote(this.rows + records + 1)
            break
          }
          if (text.charCodeAt(close + 1) === 34) {
            value = (value ?? '') + text.slice(from, close + 1)
            from = close + 2
            continue
          }
          break
        }
        if (close < 0 || (close === n - 1 && !final)) {
          rest = recordStart
          cells -= rowCells
          rowCells = 0
          break
        }
        pos = close + 1
        const next = pos < n ? text.charCodeAt(pos) : d
        if (next !== d && next !== 10 && next !== 13) special = `"${(value ?? '') + text.slice(from, close)}"`
        else if (value !== null) special = value + text.slice(from, close)
        else {
          start = from
          end = close
        }
      }
      let e = pos
      while (e < n) {
        const c = text.charCodeAt(e)
        if (c === d || c === 10 || c === 13) break
        e++
      }
      if (special !== null) {
        if (e > pos) special += text.slice(pos, e)
      } else if (e > pos) {
        // unquoted (a quoted cell is followed by a delimiter, a line break or the end)
        start = pos
        end = e
      }
      if (e >= n && !final) {
        rest = recordStart
        cells -= rowCells
        rowCells = 0
        break
      }
      this.cell(cells++, text, start, end, special)
      rowCells++
      if (e >= n) {
        this.widths[records++] = rowCells
        rowCells = 0
        break
      }
      const c = text.charCodeAt(e)
      if (c === d) {
        pos = e + 1
        continue
      }
      if (c === 13 && e === n - 1 && !final) {
        rest = recordStart
        cells -= rowCells
        rowCells = 0
        break
      }
      this.widths[records++] = rowCells
      rowCells = 0
      pos = c === 13 && text.charCodeAt(e + 1) === 10 ? e + 2 : e + 1
      recordStart = pos
    }
    this.records = records
    this.rows += records
    this.partial = rest < n ? text.slice(rest) : ''
    if (this.partial.length > MAX_RECORD_CHARS) {
      const detail = `row ${this.rows + 1} is longer than ${MAX_RECORD_CHARS} characters (a quote that is never closed?)`
      throw new ReadError('malformed', `The CSV could not be read: ${detail}`, { detail })
    }
  }

  /**
   * One cell, trimmed as csvCell trims: padding off both ends, a ="…" wrapper unwrapped.
   * @param {number} k @param {string} text @param {number} s @param {number} e @param {string | null} special
   */
  cell(k, text, s, e, special) {
    if (special !== null) {
      const v = csvCell(special)
      if (v === null) {
        this.starts[k] = 0
        this.ends[k] = 0
      } else {
        this.starts[k] = -1 - this.specials.length
        this.ends[k] = 0
        this.specials.push(v)
      }
      return
    }
    if (s < e) {
      const first = text.charCodeAt(s)
      if (first === 61 || isSpace(first) || isSpace(text.charCodeAt(e - 1))) {
        while (s < e && isSpace(text.charCodeAt(s))) s++
        while (e > s && isSpace(text.charCodeAt(e - 1))) e--
        if (e - s >= 3 && text.charCodeAt(s) === 61 && text.charCodeAt(s + 1) === 34 && text.charCodeAt(e - 1) === 34) {
          s += 2
          e--
          while (s < e && isSpace(text.charCodeAt(s))) s++
          while (e > s && isSpace(text.charCodeAt(e - 1))) e--
        }
      }
    }
    if (s >= e) s = e = 0
    this.starts[k] = s
    this.ends[k] = e
  }

  /** cell k of the last scan as a string, null when empty @param {number} k */
  value(k) {
    const s = /** @type {number} */ (this.starts[k])
    if (s < 0) return /** @type {string} */ (this.specials[-1 - s])
    const e = /** @type {number} */ (this.ends[k])
    return s === e ? null : this.text.slice(s, e)
  }
}

/**
 * A string's UTF-16 code units in a buffer of their own, to be transferred (not copied) to
 * the main thread: Buffer's 'utf16le' write copies the code units as they are, lone
 * surrogates included.
 * @param {string} text
 */
function codeUnits(text) {
  const codes = new Uint16Array(text.length)
  if (text.length) Buffer.from(codes.buffer, codes.byteOffset, codes.byteLength).write(text, 0, codes.byteLength, 'utf16le')
  return codes
}

/**
 * A batch in the 'text' packing: one text, sent as its UTF-16 code units (codeUnits), and
 * the offsets of its cells. Rows scanned by CsvCells add the offsets of their cells in the
 * scanned text (the batch sends the stretch of text they cover); rows at hand as strings
 * (the rows read while the header was looked for, quoted cells with doubled quotes) add
 * their strings after it. The sales import reads cells back by their offsets
 * (sales-text-batch.ts, cellText); an empty cell is start === end.
 */
class TextBatch {
  constructor() {
    this.rows = 0
    this.cells = 0
    this.rowNumbers = new Int32Array(256)
    this.widths = new Int32Array(256)
    this.starts = new Int32Array(4096)
    this.ends = new Int32Array(4096)
    /** the scanned text the range cells point into, and the stretch of it they cover */
    this.text = ''
    this.from = Infinity
    this.to = 0
    /** @type {string[]} strings after the text; their cells' starts are -1 - offset among them */
    this.extras = []
    this.extrasLength = 0
  }

  /** @param {number} rowNumber @param {number} width */
  row(rowNumber, width) {
    if (this.rows >= this.rowNumbers.length) {
      this.rowNumbers = grow(this.rowNumbers)
      this.widths = grow(this.widths)
    }
    this.rowNumbers[this.rows] = rowNumber
    this.widths[this.rows++] = width
    while (this.cells + width > this.starts.length) {
      this.starts = grow(this.starts)
      this.ends = grow(this.ends)
    }
  }

  /** @param {string | null} value */
  addString(value) {
    if (value === null || value === '') {
      this.starts[this.cells] = 0
      this.ends[this.cells++] = 0
      return
    }
    this.starts[this.cells] = -1 - this.extrasLength
    this.ends[this.cells++] = value.length
    this.extras.push(value)
    this.extrasLength += value.length
  }

  /** @param {CsvCells} scan @param {number} k */
  addScanned(scan, k) {
    const s = /** @type {number} */ (scan.starts[k])
    if (s < 0) return this.addString(/** @type {string} */ (scan.specials[-1 - s]))
    const e = /** @type {number} */ (scan.ends[k])
    if (s === e) {
      this.starts[this.cells] = 0
      this.ends[this.cells++] = 0
      return
    }
    this.text = scan.text
    if (s < this.from) this.from = s
    if (e > this.to) this.to = e
    this.starts[this.cells] = s
    this.ends[this.cells++] = e
  }

  /** the message's parts, offsets made relative to the one string sent */
  pack() {
    const from = this.from === Infinity ? 0 : this.from
    const base = this.from === Infinity ? '' : this.text.slice(from, this.to)
    const starts = this.starts.slice(0, this.cells)
    const ends = this.ends.slice(0, this.cells)
    for (let k = 0; k < starts.length; k++) {
      const s = /** @type {number} */ (starts[k])
      if (s < 0) {
        const at = base.length - 1 - s
        starts[k] = at
        ends[k] = at + /** @type {number} */ (ends[k])
      } else if (s !== /** @type {number} */ (ends[k])) {
        starts[k] = s - from
        ends[k] -= from
      }
    }
    const text = this.extras.length ? base + this.extras.join('') : base
    const widths = this.widths.slice(0, this.rows)
    return {
      codes: codeUnits(text),
      starts,
      ends,
      rowNumbers: this.rowNumbers.slice(0, this.rows),
      widths,
      ...(phoneHmac && hashColumn >= 0 ? phoneHmac.column(text, starts, ends, widths, hashColumn) : {}),
    }
  }
}

// ---------------------------------------------------------------- keyed hashes of a phone column

/** The column whose phones the worker hashes (the consumer says which once it has the header); -1: none yet. */
let hashColumn = -1
port.on('message', (message) => {
  if (message?.type === 'hashColumn') hashColumn = message.column
})

/**
 * HMAC-SHA256 of `phone:<11 digits>` for the cells of one column that are 11 ASCII digits,
 * by phone-hmac.mjs as sales-stage.ts's PhoneHmac (a test holds the two equal): the sales
 * import hands this thread, which has time to spare while the main thread validates, the
 * hashing of its phones (SPEC §7; docs/decisions/015-sales-import.md). The key comes with the
 * worker's options; the hashes go with the batch, eight words a row, and `hashed` says which
 * rows have one. The main thread uses a hash only for a cell it reads as a full mobile number.
 */
class PhoneHmac {
  /** @param {Uint8Array} key */
  constructor(key) {
    const block = new Uint8Array(64)
    block.set(key.subarray(0, 64))
    this.blocks = new PhoneHmacBlocks(block)
  }

  /**
   * @param {string} text @param {Int32Array} starts @param {Int32Array} ends @param {Int32Array} widths @param {number} column
   * @returns {{ hashes: Int32Array, hashed: Uint8Array }}
   */
  column(text, starts, ends, widths, column) {
    const hashes = new Int32Array(widths.length * 8)
    const hashed = new Uint8Array(widths.length)
    let first = 0
    for (let r = 0; r < widths.length; r++) {
      const width = /** @type {number} */ (widths[r])
      if (column < width) {
        const s = /** @type {number} */ (starts[first + column])
        if (ends[first + column] === s + 11 && digits(text, s, s + 11) && this.blocks.digest(text, s, s + 11, hashes, r * 8)) hashed[r] = 1
      }
      first += width
    }
    return { hashes, hashed }
  }
}

/** @param {string} text @param {number} s @param {number} e */
function digits(text, s, e) {
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** a key longer than a block is hashed first (RFC 2104); the consumer passes the key itself only when it fits */
const phoneHmac = options.phoneHashKey instanceof Uint8Array && options.phoneHashKey.length <= 64 ? new PhoneHmac(options.phoneHashKey) : null

/** @param {Int32Array} a */
function grow(a) {
  const b = new Int32Array(a.length * 2)
  b.set(a)
  return b
}

/**
 * The file's chunks cut after their last line feed, the bytes after it carried into the next
 * chunk. So each decoded text ends where a record does (unless a quoted cell spans the cut),
 * and the CSV scan reads it as it came from the decoder. Before, each text was the last
 * chunk's unfinished record + the new chunk: a concatenated string, whose characters V8
 * reads 4–6× slower than a flat string's (the scan of a 1M-row export took 2.4 CPU-s of the
 * reader's ~6.7). Only for encodings where byte 0x0A is always a line feed (UTF-8, GBK,
 * GB18030: no multi-byte sequence holds a byte below 0x30), not UTF-16. A chunk with no line
 * feed, or a tail longer than a record may be, passes whole.
 * @param {AsyncIterable<Buffer>} input
 */
async function* wholeLines(input) {
  /** @type {Buffer | null} */
  let carry = null
  for await (const raw of input) {
    const chunk = carry ? Buffer.concat([carry, raw]) : raw
    carry = null
    const lf = chunk.lastIndexOf(10)
    if (lf < 0 || lf === chunk.length - 1 || chunk.length - lf > MAX_RECORD_CHARS) yield chunk
    else {
      carry = chunk.subarray(lf + 1)
      yield chunk.subarray(0, lf + 1)
    }
  }
  if (carry) yield carry
}

/** @param {Buffer} head @param {number} totalBytes */
async function readCsv(head, totalBytes) {
  const sniffed = sniffEncoding(head)
  const input = fs.createReadStream(filePath, { start: sniffed.skip, highWaterMark: Number(process.env.PIECE_KB ?? 256) * 1024 })
  /** @type {{ write: (b: Buffer) => string, end: () => string, encoding?: string | null }} */
  let decoder
  let auto = null
  if (sniffed.encoding === 'utf-16le' || sniffed.encoding === 'utf-16be') {
    const d = iconv.getDecoder(sniffed.encoding, { stripBOM: false })
    decoder = { write: (b) => d.write(b), end: () => d.end() ?? '' }
  } else if (sniffed.encoding === 'utf-8-bom') {
    const d = new TextDecoder('utf-8', { fatal: true })
    decoder = {
      write: (b) => {
        try {
          return d.decode(b, { stream: true })
        } catch {
          throw undecodable()
        }
      },
      end: () => d.decode(),
    }
  } else {
    auto = new Utf8OrGb18030()
    decoder = auto
  }
  const finalEncoding = () => (auto ? (auto.encoding ?? 'utf-8') : sniffed.encoding)

  const textMode = options.packing === 'text'
  /** @typedef {{ shaper: Shaper, csv: CsvRecords | CsvCells }} Reading */
  /** @type {Reading | null} */
  let reading = null
  // the first lines tell the separator and whether this is text at all
  let start = ''
  let rowNumber = 0

  /** @returns {Reading} */
  const begin = () => {
    checkLooksLikeText(start)
    const delimiter = detectDelimiter(start)
    const shaper = new Shaper({ format: 'csv', encoding: finalEncoding(), finalEncoding, delimiter, sheetName: null, totalBytes, bytesRead: () => input.bytesRead + sniffed.skip })
    return { shaper, csv: textMode ? new CsvCells(delimiter) : new CsvRecords(delimiter) }
  }

  /** @param {Shaper} shaper @param {string[][]} records */
  const take = async (shaper, records) => {
    for (let i = 0; i < records.length; i++) {
      /** @type {Cell[]} */
      const cells = /** @type {string[]} */ (records[i])
      for (let j = 0; j < cells.length; j++) cells[j] = csvCell(/** @type {string} */ (cells[j]))
      const wait = shaper.push({ rowNumber: ++rowNumber, cells })
      if (wait) await wait
      if (shaper.done) return
    }
  }

  /**
   * The records of one scan (the 'text' packing). The batch is sent at the end of the scan at
   * the latest: its cells point into this scan's text.
   * @param {Shaper} shaper @param {CsvCells} scan
   */
  const takeScanned = async (shaper, scan) => {
    let k = 0
    for (let r = 0; r < scan.records; r++) {
      const width = /** @type {number} */ (scan.widths[r])
      const n = ++rowNumber
      let wait
      if (shaper.header) {
        wait = shaper.dataScanned(scan, k, width, n)
      } else {
        /** @type {Cell[]} */
        const cells = []
        for (let j = 0; j < width; j++) cells.push(scan.value(k + j))
        wait = shaper.push({ rowNumber: n, cells })
      }
      if (wait) await wait
      if (shaper.done) return
      k += width
    }
    await shaper.flush()
  }

  /** @param {Reading} r @param {string} text @param {boolean} last the input ends here */
  const read = async ({ shaper, csv }, text, last) => {
    if (csv instanceof CsvCells) {
      if (text) {
        csv.push(text)
        await takeScanned(shaper, csv)
      }
      if (!shaper.done && last) {
        csv.end()
        await takeScanned(shaper, csv)
      }
      return
    }
    if (text) await take(shaper, csv.push(text))
    if (!shaper.done && last) await take(shaper, csv.end())
  }

  try {
    const utf16 = sniffed.encoding === 'utf-16le' || sniffed.encoding === 'utf-16be'
    for await (const chunk of utf16 ? input : wholeLines(input)) {
      let text = decoder.write(/** @type {Buffer} */ (chunk))
      if (!text) continue
      if (!reading) {
        start += text
        if (start.length < 64 * 1024 && start.split(/\r\n|\n|\r/, 22).length <= 21) continue
        reading = begin()
        text = start
        start = ''
      }
      await read(reading, text, false)
      if (reading.shaper.done) break
    }
    /** @type {Reading} */
    let last
    if (reading) {
      last = reading
      if (!last.shaper.done) await read(last, decoder.end(), true)
    } else {
      start += decoder.end()
      last = begin()
      await read(last, start, true)
    }
    await last.shaper.end()
  } catch (error) {
    if (error instanceof ReadError) throw error
    const detail = /** @type {Error} */ (error).message
    throw new ReadError('malformed', `The CSV could not be read: ${detail}`, { detail })
  } finally {
    input.destroy()
  }
}

// ---------------------------------------------------------------- XLSX

/**
 * Reads the zip's central directory from the end of the file — names and unpacked sizes,
 * nothing unpacked — to refuse a zip that is no workbook, or one that unpacks too large.
 * @param {import('node:fs/promises').FileHandle} handle
 * @param {number} size
 */
async function checkZip(handle, size) {
  const malformed = () => new ReadError('malformed', 'The .xlsx file is damaged (its zip directory cannot be read).')
  const tailLength = Math.min(size, 65557)
  const tail = Buffer.alloc(tailLength)
  await handle.read(tail, 0, tailLength, size - tailLength)
  let eocd = -1
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw malformed()
  const count = tail.readUInt16LE(eocd + 10)
  const dirSize = tail.readUInt32LE(eocd + 12)
  const offset = tail.readUInt32LE(eocd + 16)
  if (count === 0xffff || offset === 0xffffffff) throw new ReadError('tooLarge', 'The workbook is too large (zip64).', { size: '>4 GB', limit: '' })
  if (offset + dirSize > size || dirSize > 64 * 1024 * 1024) throw malformed()
  const dir = Buffer.alloc(dirSize)
  await handle.read(dir, 0, dirSize, offset)
  const names = []
  let unpacked = 0
  let p = 0
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || dir.readUInt32LE(p) !== 0x02014b50) throw malformed()
    unpacked += dir.readUInt32LE(p + 24)
    const nameLength = dir.readUInt16LE(p + 28)
    const extraLength = dir.readUInt16LE(p + 30)
    const commentLength = dir.readUInt16LE(p + 32)
    names.push(dir.toString('utf8', p + 46, p + 46 + nameLength))
    p += 46 + nameLength + extraLength + commentLength
  }
  if (!names.includes('xl/workbook.xml')) {
    throw new ReadError('unsupportedType', 'This is a zip archive, not an Excel workbook. Upload a CSV or .xlsx file.', { kind: 'a zip archive' })
  }
  const limit = (options.maxBytes ?? size) * MAX_UNZIPPED_FACTOR
  if (unpacked > limit) {
    throw new ReadError('tooLarge', `The workbook unpacks to ${formatBytes(unpacked)}; the limit is ${formatBytes(limit)}.`, {
      size: formatBytes(unpacked),
      limit: formatBytes(limit),
    })
  }
}

/** A number format that shows a date or time (not General, not a plain number or text). @param {unknown} numFmt */
function isDateFormat(numFmt) {
  if (typeof numFmt !== 'string' || !numFmt) return false
  const bare = numFmt.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '')
  return /[dmyhs]/i.test(bare) && !/^general$/i.test(bare)
}

/** @param {number} serial @param {boolean} date1904 */
function excelDate(serial, date1904) {
  return new Date(Math.round((serial - (date1904 ? 24107 : 25569)) * 86_400_000))
}

/**
 * Formulas become their cached result (a date when the cell shows one), rich text its plain
 * text, hyperlinks their text, errors nothing.
 * @param {any} value @param {unknown} numFmt @param {boolean} date1904
 * @returns {Cell}
 */
function xlsxCell(value, numFmt, date1904) {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value
  if (typeof value === 'string') return csvCell(value)
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'boolean') return value
  if (typeof value === 'object') {
    if (Array.isArray(value.richText)) return csvCell(value.richText.map((/** @type {{ text?: string }} */ part) => part.text ?? '').join(''))
    if ('formula' in value || 'sharedFormula' in value) {
      const result = value.result
      if (typeof result === 'number' && isDateFormat(numFmt)) return excelDate(result, date1904)
      return xlsxCell(result ?? null, null, date1904)
    }
    if ('hyperlink' in value) return xlsxCell(value.text ?? null, null, date1904)
    if ('error' in value) return null
    if ('sharedString' in value) return null
  }
  return csvCell(String(value))
}

/** @param {number} totalBytes */
async function readXlsx(totalBytes) {
  // loaded only for workbooks: compiling exceljs costs a CSV read a few hundred ms
  const { default: ExcelJS } = await import('exceljs')
  const input = fs.createReadStream(filePath, { highWaterMark: 64 * 1024 })
  // styles are needed to tell dates from numbers; shared strings are kept (they are what
  // cells point at) — a workbook whose strings do not fit the worker's memory fails cleanly
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  })
  const wanted = options.sheetName ?? null
  let found = false
  // exceljs' streaming reader can wait forever on a damaged workbook (an entry whose inflated
  // bytes end early leaves its stream open): when the file stops being read and no row comes
  // for STALL_MS — not counting the time the reader waits for the import to take its rows —
  // the workbook is refused as damaged instead
  let lastProgress = Date.now()
  let seenBytes = 0
  let consumerWait = false
  /** @type {(error: ReadError) => void} */
  let stalled = () => {}
  const stall = new Promise((_, reject) => (stalled = reject))
  const watchdog = setInterval(() => {
    if (input.bytesRead !== seenBytes || consumerWait) {
      seenBytes = input.bytesRead
      lastProgress = Date.now()
    } else if (Date.now() - lastProgress > (options.stallMs ?? STALL_MS)) {
      stalled(new ReadError('malformed', 'The workbook could not be read: it is damaged (reading stopped part-way).', { detail: 'stalled' }))
    }
  }, 250)
  /** @type {string | null} */
  let refusedBy = null
  try {
    await Promise.race([stall, readSheets()])
  } catch (error) {
    if (error instanceof ReadError) throw error
    const detail = /** @type {Error} */ (error).message
    // exceljs' streaming reader refuses some valid workbooks (cells written without their
    // r="B2" reference, as some generators do): a small one is read whole by SheetJS instead,
    // as long as nothing of it has gone to the main thread yet
    if (headPosted || totalBytes > MAX_WORKBOOK_BYTES.xlsx) throw new ReadError('malformed', `The workbook could not be read: ${detail}`, { detail })
    refusedBy = detail
  } finally {
    clearInterval(watchdog)
    input.destroy()
  }
  if (refusedBy !== null) return readWorkbook('xlsx', totalBytes, refusedBy)
  if (!found) {
    if (wanted) throw new ReadError('noSheet', `The workbook has no worksheet named ${wanted}.`, { sheet: wanted })
    throw new ReadError('empty', 'The workbook has no rows.')
  }

  async function readSheets() {
    for await (const sheet of reader) {
      const ws = /** @type {any} */ (sheet)
      if (found) continue
      if (wanted ? ws.name !== wanted : ws.state === 'hidden' || ws.state === 'veryHidden') continue
      const date1904 = Boolean(/** @type {any} */ (reader).properties?.date1904 ?? /** @type {any} */ (reader).model?.properties?.date1904)
      const shaper = new Shaper({ format: 'xlsx', encoding: null, delimiter: null, sheetName: ws.name ?? null, totalBytes, bytesRead: () => input.bytesRead })
      let rows = 0
      for await (const row of ws) {
        rows++
        /** @type {Cell[]} */
        const cells = []
        row.eachCell({ includeEmpty: false }, (/** @type {any} */ cell, /** @type {number} */ col) => {
          cells[col - 1] = xlsxCell(cell.value, cell.numFmt, date1904)
        })
        for (let i = 0; i < cells.length; i++) if (cells[i] === undefined) cells[i] = null
        lastProgress = Date.now()
        const wait = shaper.push({ rowNumber: row.number, cells })
        if (wait) {
          consumerWait = true
          await wait
          consumerWait = false
        }
        if (shaper.done) break
      }
      // the first visible sheet was empty: the next one may hold the table (unless one was named)
      if (!rows && !wanted) continue
      found = true
      consumerWait = true
      await shaper.end()
      consumerWait = false
      if (shaper.done) break
    }
  }
}

/** How long a workbook may go without a byte read or a row made before it is refused as damaged. */
const STALL_MS = 15_000

main().then(
  () => port.close(),
  (error) => {
    if (error instanceof ReadError) port.postMessage({ type: 'error', code: error.code, message: error.message, params: error.params })
    else port.postMessage({ type: 'error', code: 'malformed', message: `The file could not be read: ${error?.message ?? error}`, params: { detail: String(error?.message ?? error) } })
    port.close()
  },
)
