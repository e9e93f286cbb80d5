import crypto from 'node:crypto'
import { PhoneHmacBlocks } from './phone-hmac.mjs'
import type { SaleRecord } from './sales-record'
import { codesOf } from './sales-text-batch'

/**
 * The staged rows of a sales import: CSV in UTF-8, one line per good row, that DuckDB reads
 * into the typed Parquet file (sales-parquet.ts, writeSalesParquet). Written byte by byte into
 * a buffer — from a validated SaleRecord, or by the validator's fast path straight from the
 * cells as the reader handed them over (sales-validate.ts, validateText) — so that a million
 * rows cost no object, no JSON and no string per row. The import's constants (store, import,
 * time) and the sale key are added by the COPY, not repeated on every line.
 *
 * Strings are always quoted (a quote doubled); NULL is an empty field. No staged string holds
 * a line break (cleanString turns every run of white space into one space) and none is empty
 * (an empty cell is NULL), so DuckDB reads the file in parallel without ambiguity.
 *
 * The file keeps the phone's keyed hash, never the phone (PIPL): the hash is computed here,
 * HMAC-SHA256 over `phone:<number>` exactly as app/utils/phone-hash.server.ts computes it
 * (a test holds the two equal), but with the key's two padded blocks hashed once per import,
 * which makes a phone's hash one SHA-256 block each way: about 1.6 µs instead of the 4–5 µs
 * crypto.createHmac costs per call (a million calls were 10% of the whole import).
 */

/** The staged columns, in line order: SALE_ROW_COLUMNS without the import's constants and the sale key. */
export const STAGED_COLUMNS = [
  ['row_number', 'INTEGER'],
  ['vin', 'VARCHAR'],
  ['order_no', 'VARCHAR'],
  ['invoice_date', 'DATE'],
  ['order_date', 'DATE'],
  ['delivery_date', 'DATE'],
  ['brand', 'VARCHAR'],
  ['series', 'VARCHAR'],
  ['model', 'VARCHAR'],
  ['trim', 'VARCHAR'],
  ['color', 'VARCHAR'],
  ['list_price_fen', 'BIGINT'],
  ['transaction_price_fen', 'BIGINT'],
  ['discount_fen', 'BIGINT'],
  ['gross_profit_fen', 'BIGINT'],
  ['accessories_revenue_fen', 'BIGINT'],
  ['finance_income_fen', 'BIGINT'],
  ['insurance_income_fen', 'BIGINT'],
  ['warranty_income_fen', 'BIGINT'],
  ['name_key', 'VARCHAR'],
  ['phone_hash', 'VARCHAR'],
  ['phone_masked', 'VARCHAR'],
  ['consultant', 'VARCHAR'],
  ['payment_method', 'VARCHAR'],
  ['trade_in', 'BOOLEAN'],
  ['source', 'VARCHAR'],
  // added after the first files were written: a view reads older files by column name (ADR 015)
  ['trade_in_brand', 'VARCHAR'],
  ['trade_in_model', 'VARCHAR'],
] as const

const COMMA = 44
const QUOTE = 34
const NEWLINE = 10
const STAR = 42
const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102])
const TRUE = Uint8Array.from(Buffer.from('true'))
const FALSE = Uint8Array.from(Buffer.from('false'))
/** '00' … '99': a pair of digits' two characters at 2·pair */
const PAIRS = Uint8Array.from(Buffer.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join('')))

export class SalesStage {
  private bytes: Uint8Array = Buffer.allocUnsafeSlow(1 << 20)
  /** the buffer the last take handed over */
  private spare: Uint8Array | null = null
  private pos = 0
  /** str()'s string as code units */
  private scratch: Uint16Array = new Uint16Array(256)
  /** rows staged since the last take */
  rows = 0
  private readonly hmac: PhoneHmac

  constructor(phoneHashKey: Buffer) {
    this.hmac = new PhoneHmac(phoneHashKey)
  }

  /** where the current row began: the fast path undoes a row it leaves to the general validator */
  mark() {
    return this.pos
  }

  reset(mark: number) {
    this.pos = mark
  }

  /**
   * The bytes staged since the last take, handed over whole, not copied (a million rows
   * stage ~300 MB): the stage goes on in the buffer the take before handed over. So the
   * bytes are the caller's until the take after next — the import writes each batch's
   * before it validates the next. Two buffers in turn, where a new one each batch (the way
   * before) touched fresh memory every time.
   */
  take(): Buffer {
    const out = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.pos)
    const next = this.spare && this.spare.length >= this.bytes.length ? this.spare : Buffer.allocUnsafeSlow(this.bytes.length)
    this.spare = this.bytes
    this.bytes = next
    this.pos = 0
    this.rows = 0
    return out
  }

  private room(n: number) {
    if (this.pos + n <= this.bytes.length) return
    let size = this.bytes.length * 2
    while (size < this.pos + n) size *= 2
    const bytes = Buffer.allocUnsafeSlow(size)
    bytes.set(this.bytes.subarray(0, this.pos))
    this.bytes = bytes
  }

  /** the row number opens a line */
  begin(rowNumber: number) {
    this.room(16)
    this.digits(rowNumber)
  }

  end() {
    this.room(1)
    this.bytes[this.pos++] = NEWLINE
    this.rows++
  }

  nil() {
    this.room(1)
    this.bytes[this.pos++] = COMMA
  }

  /** an integer (fen) */
  int(n: number | null) {
    this.room(24)
    this.bytes[this.pos++] = COMMA
    if (n !== null) this.digits(n)
  }

  /** the day as "YYYY-MM-DD" (a year of four digits), as str() writes it */
  isoDay(y: number, m: number, d: number) {
    this.room(14)
    const b = this.bytes
    let p = this.pos
    b[p++] = COMMA
    b[p++] = QUOTE
    b[p++] = 48 + Math.floor(y / 1000)
    b[p++] = 48 + (Math.floor(y / 100) % 10)
    b[p++] = 48 + (Math.floor(y / 10) % 10)
    b[p++] = 48 + (y % 10)
    b[p++] = 45
    b[p++] = 48 + Math.floor(m / 10)
    b[p++] = 48 + (m % 10)
    b[p++] = 45
    b[p++] = 48 + Math.floor(d / 10)
    b[p++] = 48 + (d % 10)
    b[p++] = QUOTE
    this.pos = p
  }

  private digits(n: number) {
    const b = this.bytes
    if (n < 0) {
      b[this.pos++] = 45
      n = -n
    }
    if (n < 10) {
      b[this.pos++] = 48 + n
      return
    }
    if (n < 0x7fffffff) {
      // the common case (a car's price in fen) in 32-bit integers: the amounts come as
      // doubles, and a double's `% 10` is a call to fmod — this was 4× slower than it (0.6 s
      // of a million rows' import); two digits at a time, one division for both
      let m = n | 0
      const len = m < 100 ? 2 : m < 1_000 ? 3 : m < 10_000 ? 4 : m < 100_000 ? 5 : m < 1_000_000 ? 6 : m < 10_000_000 ? 7 : m < 100_000_000 ? 8 : m < 1_000_000_000 ? 9 : 10
      let at = this.pos + len
      this.pos = at
      while (m >= 100) {
        const q = (m / 100) | 0
        const r = (m - q * 100) * 2
        b[--at] = PAIRS[r + 1]!
        b[--at] = PAIRS[r]!
        m = q
      }
      if (m >= 10) {
        b[--at] = PAIRS[m * 2 + 1]!
        b[--at] = PAIRS[m * 2]!
      } else b[--at] = 48 + m
      return
    }
    let len = 0
    for (let m = n; m >= 1; m = Math.floor(m / 10)) len++
    let at = this.pos + len
    this.pos = at
    for (let m = n; m >= 1; m = Math.floor(m / 10)) b[--at] = 48 + (m % 10)
  }

  bool(v: boolean | null) {
    this.room(6)
    this.bytes[this.pos++] = COMMA
    if (v === null) return
    const w = v ? TRUE : FALSE
    this.bytes.set(w, this.pos)
    this.pos += w.length
  }

  /** a string, quoted, or NULL */
  str(s: string | null) {
    if (s === null) return this.nil()
    this.scratch = codesOf(s, this.scratch)
    this.quoted(this.scratch, 0, s.length, false)
  }

  /** the code units text[s…e) as a quoted string, without making it */
  range(text: Uint16Array, s: number, e: number) {
    this.quoted(text, s, e, false)
  }

  /**
   * text.slice(s, e) as range() writes it, when cleanString would leave it as it is: false at
   * the first character it would change (a control character, a space at either end or beside
   * another, a full-width form, an ideographic or no-break space, a BOM), with the row's bytes
   * then to be reset by the caller. One pass for the check and the copy (the check alone was
   * a second pass over every text cell).
   */
  cleanRange(text: Uint16Array, s: number, e: number): boolean {
    return this.quoted(text, s, e, true)
  }

  /** the quoted UTF-8 of text[s…e); with `clean`, false (and nothing to keep) at a character cleanString would change */
  private quoted(text: Uint16Array, s: number, e: number, clean: boolean): boolean {
    this.room(3 + (e - s) * 6)
    const b = this.bytes
    let p = this.pos
    b[p++] = COMMA
    b[p++] = QUOTE
    for (let i = s; i < e; i++) {
      let c = text[i]!
      if (c < 0x80) {
        if (c <= 32 && clean && (c !== 32 || i === s || i === e - 1 || text[i + 1] === 32)) return false
        b[p++] = c
        if (c === QUOTE) b[p++] = QUOTE
      } else if (c < 0x800) {
        if (c === 0xa0 && clean) return false
        b[p++] = 0xc0 | (c >> 6)
        b[p++] = 0x80 | (c & 63)
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < e ? text[i + 1]! : 0
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00)
          i++
          b[p++] = 0xf0 | (cp >> 18)
          b[p++] = 0x80 | ((cp >> 12) & 63)
          b[p++] = 0x80 | ((cp >> 6) & 63)
          b[p++] = 0x80 | (cp & 63)
          continue
        }
        // a lone surrogate: U+FFFD, as Buffer.from(text, 'utf8') writes it
        c = 0xfffd
        b[p++] = 0xe0 | (c >> 12)
        b[p++] = 0x80 | ((c >> 6) & 63)
        b[p++] = 0x80 | (c & 63)
      } else {
        if (clean && (c >= 0xff01 ? c <= 0xff5e : c === 0x3000 || c === 0xfeff)) return false
        b[p++] = 0xe0 | (c >> 12)
        b[p++] = 0x80 | ((c >> 6) & 63)
        b[p++] = 0x80 | (c & 63)
      }
    }
    b[p++] = QUOTE
    this.pos = p
    return true
  }

  /** 138****1234 of the 11 digits at text[s…s+11) */
  masked(text: Uint16Array, s: number) {
    this.room(16)
    const b = this.bytes
    let p = this.pos
    b[p++] = COMMA
    b[p++] = QUOTE
    for (let i = 0; i < 3; i++) b[p++] = text[s + i]!
    for (let i = 0; i < 4; i++) b[p++] = STAR
    for (let i = 7; i < 11; i++) b[p++] = text[s + i]!
    b[p++] = QUOTE
    this.pos = p
  }

  /** the keyed hash of the phone at text[s…e), as lower-case hex */
  phoneHash(text: string, s: number, e: number) {
    this.hashWords(this.hmac.digest(text, s, e), 0)
  }

  /** a phone hash the reader's thread made (eight big-endian words at h[at…]), as lower-case hex */
  hashWords(words: Int32Array, at: number) {
    this.room(67)
    const b = this.bytes
    b[this.pos++] = COMMA
    b[this.pos++] = QUOTE
    let p = this.pos
    for (let i = 0; i < 8; i++) {
      const v = words[at + i]!
      b[p++] = HEX[(v >>> 28) & 15]!
      b[p++] = HEX[(v >>> 24) & 15]!
      b[p++] = HEX[(v >>> 20) & 15]!
      b[p++] = HEX[(v >>> 16) & 15]!
      b[p++] = HEX[(v >>> 12) & 15]!
      b[p++] = HEX[(v >>> 8) & 15]!
      b[p++] = HEX[(v >>> 4) & 15]!
      b[p++] = HEX[v & 15]!
    }
    b[p++] = QUOTE
    this.pos = p
  }

  /** A validated sale, as the general validator returns it. */
  record(rowNumber: number, r: SaleRecord) {
    this.begin(rowNumber)
    this.str(r.vin)
    this.str(r.orderNo)
    this.str(r.invoiceDate)
    this.str(r.orderDate)
    this.str(r.deliveryDate)
    this.str(r.brand)
    this.str(r.series)
    this.str(r.model)
    this.str(r.trim)
    this.str(r.color)
    this.int(r.listPriceFen)
    this.int(r.transactionPriceFen)
    this.int(r.discountFen)
    this.int(r.grossProfitFen)
    this.int(r.accessoriesRevenueFen)
    this.int(r.financeIncomeFen)
    this.int(r.insuranceIncomeFen)
    this.int(r.warrantyIncomeFen)
    this.str(r.nameKey)
    if (r.phone === null) this.nil()
    else this.phoneHash(r.phone, 0, r.phone.length)
    this.str(r.phoneMasked)
    this.str(r.consultant)
    this.str(r.paymentMethod)
    this.bool(r.tradeIn)
    this.str(r.source)
    this.str(r.tradeInBrand)
    this.str(r.tradeInModel)
    this.end()
  }
}

// ---------------------------------------------------------------- HMAC-SHA256 of a phone

/**
 * HMAC-SHA256(key, `phone:${phone}`) as eight big-endian words, by phone-hmac.mjs (the key's
 * blocks compressed once; the reader's thread hashes with the same module). A message longer
 * than one block (never a phone) or not ASCII goes to crypto.createHmac.
 */
export class PhoneHmac {
  private readonly blocks: PhoneHmacBlocks
  private readonly out = new Int32Array(8)

  constructor(private readonly key: Buffer) {
    const block = Buffer.alloc(64)
    if (key.length > 64) crypto.createHash('sha256').update(key).digest().copy(block)
    else key.copy(block)
    this.blocks = new PhoneHmacBlocks(block)
  }

  /** the eight big-endian words of the digest of text[s…e) */
  digest(text: string, s: number, e: number): Int32Array {
    if (this.blocks.digest(text, s, e, this.out, 0)) return this.out
    const d = crypto.createHmac('sha256', this.key).update(`phone:${text.slice(s, e)}`).digest()
    for (let i = 0; i < 8; i++) this.out[i] = d.readInt32BE(i * 4)
    return this.out
  }

  /** the digest as hex (tests; the stage writes the words itself) */
  hex(phone: string) {
    const h = this.digest(phone, 0, phone.length)
    let s = ''
    for (let i = 0; i < 8; i++) s += (h[i]! >>> 0).toString(16).padStart(8, '0')
    return s
  }
}
