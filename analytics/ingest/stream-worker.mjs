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
import { Readable } from 'node:stream'
import { parentPort, workerData } from 'node:worker_threads'
import { parse as parseCsv } from 'csv-parse'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'

/** @typedef {string | number | boolean | Date | null} Cell */
/** @typedef {{ rowNumber: number, cells: Cell[] }} Row */
/** @typedef {'title' | 'blank' | 'total'} SkipWhy */

const HEADER_SEARCH_ROWS = 30
const MAX_UNZIPPED_FACTOR = 20
const MAX_SKIPPED_LISTED = 1000
const TOTAL_ROW = /^(合\s*计|总\s*计|小\s*计|共\s*计|(grand\s+|sub)?totals?\b|sum\b)/i

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

/** @param {any} message */
async function send(message) {
  while (credits <= 0) await new Promise((resolve) => (wake = () => resolve(undefined)))
  wake = null
  credits--
  port.postMessage(message)
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

/**
 * Turns rows into the header and data rows, as read-table.ts does for a whole file:
 * the header is the first of the top rows naming two known columns (else the first with
 * two filled cells, or the row the caller names); title, blank and totals rows are skipped
 * and reported; blank rows after the last data row are the end of the sheet, not reported.
 */
class Shaper {
  /** @param {{ format: 'csv' | 'xlsx', encoding: string | null, finalEncoding?: () => string | null, delimiter: string | null, sheetName: string | null, totalBytes: number, bytesRead: () => number }} meta */
  constructor(meta) {
    this.meta = meta
    /** @type {Row[]} */
    this.top = []
    /** @type {Row | null} */
    this.header = null
    this.recognised = false
    /** @type {Row[]} */
    this.batch = []
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
    return this.data(row)
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
      const wait = this.data(row)
      if (wait) await wait
    }
  }

  /**
   * @param {Row} row
   * @returns {Promise<void> | undefined}
   */
  data(row) {
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
    this.batch.push(row)
    if (this.previewRows !== null && this.dataRows >= this.previewRows) {
      this.done = true
      return this.flush()
    }
    if (this.batch.length >= this.batchSize) return this.flush()
  }

  async flush() {
    if (!this.batch.length) return
    const rows = this.batch
    this.batch = []
    await send({ type: 'rows', rows, bytesRead: this.meta.bytesRead(), totalBytes: this.meta.totalBytes })
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
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) {
    throw new ReadError('oldExcel', 'This is an old Excel (.xls) or a password-protected workbook. Save it as .xlsx without a password, or as CSV, and upload that.')
  }
  for (const [what, magic] of MAGIC) {
    if (startsWith(head, magic)) throw new ReadError('unsupportedType', `This is not a spreadsheet (it looks like ${what}). Upload a CSV or .xlsx file.`, { kind: what })
  }
  return readCsv(head, totalBytes)
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
      const decoder = iconv.getDecoder('gb18030', { stripBOM: false })
      this.decoder = { write: (b) => decoder.write(b), end: () => decoder.end() ?? '' }
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

/** Trims the padding exports add (tabs that keep digits as text in Excel, full-width spaces, ="…" wrappers). @param {string} raw */
function csvCell(raw) {
  let s = raw.replace(/^[\s\u3000\ufeff]+|[\s\u3000]+$/g, '')
  const wrapped = /^="(.*)"$/s.exec(s)
  if (wrapped) s = /** @type {string} */ (wrapped[1]).trim()
  return s === '' ? null : s
}

/** @param {Buffer} head @param {number} totalBytes */
async function readCsv(head, totalBytes) {
  const sniffed = sniffEncoding(head)
  const input = fs.createReadStream(filePath, { start: sniffed.skip, highWaterMark: 64 * 1024 })
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

  async function* text() {
    for await (const chunk of input) {
      const s = decoder.write(/** @type {Buffer} */ (chunk))
      if (s) yield s
    }
    const rest = decoder.end()
    if (rest) yield rest
  }

  // enough text to tell the separator and whether this is text at all
  const chunks = text()
  let start = ''
  while (start.length < 64 * 1024 && start.split(/\r\n|\n|\r/, 22).length <= 21) {
    const next = await chunks.next()
    if (next.done) break
    start += next.value
  }
  checkLooksLikeText(start)
  const delimiter = detectDelimiter(start)
  const encoding = auto ? (auto.encoding ?? 'utf-8') : sniffed.encoding
  const shaper = new Shaper({ format: 'csv', encoding, finalEncoding: () => (auto ? (auto.encoding ?? 'utf-8') : sniffed.encoding), delimiter, sheetName: null, totalBytes, bytesRead: () => input.bytesRead + sniffed.skip })

  async function* all() {
    if (start) yield start
    yield* chunks
  }
  // csv-parse (node-csv): RFC 4180 quoting, embedded newlines and delimiters, CRLF/LF/CR;
  // relax_quotes reads a stray quote inside an unquoted field literally, as Excel does
  const parser = Readable.from(all()).pipe(
    parseCsv({
      delimiter,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      record_delimiter: ['\r\n', '\n', '\r'],
      max_record_size: 1024 * 1024,
    }),
  )
  let rowNumber = 0
  try {
    for await (const record of parser) {
      const wait = shaper.push({ rowNumber: ++rowNumber, cells: /** @type {string[]} */ (record).map(csvCell) })
      if (wait) await wait
      if (shaper.done) break
    }
  } catch (error) {
    if (error instanceof ReadError) throw error
    const detail = /** @type {Error} */ (error).message
    throw new ReadError('malformed', `The CSV could not be read: ${detail}`, { detail })
  } finally {
    input.destroy()
  }
  await shaper.end()
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
  try {
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
        const wait = shaper.push({ rowNumber: row.number, cells })
        if (wait) await wait
        if (shaper.done) break
      }
      // the first visible sheet was empty: the next one may hold the table (unless one was named)
      if (!rows && !wanted) continue
      found = true
      await shaper.end()
      if (shaper.done) break
    }
  } catch (error) {
    if (error instanceof ReadError) throw error
    const detail = /** @type {Error} */ (error).message
    throw new ReadError('malformed', `The workbook could not be read: ${detail}`, { detail })
  } finally {
    input.destroy()
  }
  if (!found) {
    if (wanted) throw new ReadError('noSheet', `The workbook has no worksheet named ${wanted}.`, { sheet: wanted })
    throw new ReadError('empty', 'The workbook has no rows.')
  }
}

main().then(
  () => port.close(),
  (error) => {
    if (error instanceof ReadError) port.postMessage({ type: 'error', code: error.code, message: error.message, params: error.params })
    else port.postMessage({ type: 'error', code: 'malformed', message: `The file could not be read: ${error?.message ?? error}`, params: { detail: String(error?.message ?? error) } })
    port.close()
  },
)
