import crypto from 'node:crypto'
import type { SaleRecord } from './sales-record'

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
] as const

const COMMA = 44
const QUOTE = 34
const NEWLINE = 10
const STAR = 42
const HEX = new Uint8Array([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102])
const TRUE = Uint8Array.from(Buffer.from('true'))
const FALSE = Uint8Array.from(Buffer.from('false'))

export class SalesStage {
  private bytes: Uint8Array = Buffer.allocUnsafeSlow(1 << 20)
  private pos = 0
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
   * The bytes staged since the last take, handed over whole: the stage goes on in a new
   * buffer (uninitialised memory, as the bytes are always written before they are read) of
   * the same size, so the batch is not copied (a million rows stage ~300 MB).
   */
  take(): Buffer {
    const out = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.pos)
    this.bytes = Buffer.allocUnsafeSlow(this.bytes.length)
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
    let len = 0
    if (n < 0x7fffffff) {
      // 32-bit integer division, the common case (a car's price in fen)
      for (let m = n; m > 0; m = (m / 10) | 0) len++
      let at = this.pos + len
      this.pos = at
      for (let m = n; m > 0; m = (m / 10) | 0) b[--at] = 48 + (m % 10)
      return
    }
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
    this.range(s, 0, s.length)
  }

  /** text.slice(s, e) as a quoted string, without making it */
  range(text: string, s: number, e: number) {
    this.room(3 + (e - s) * 6)
    const b = this.bytes
    let p = this.pos
    b[p++] = COMMA
    b[p++] = QUOTE
    for (let i = s; i < e; i++) {
      let c = text.charCodeAt(i)
      if (c < 0x80) {
        b[p++] = c
        if (c === QUOTE) b[p++] = QUOTE
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6)
        b[p++] = 0x80 | (c & 63)
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < e ? text.charCodeAt(i + 1) : 0
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
        b[p++] = 0xe0 | (c >> 12)
        b[p++] = 0x80 | ((c >> 6) & 63)
        b[p++] = 0x80 | (c & 63)
      }
    }
    b[p++] = QUOTE
    this.pos = p
  }

  /** 138****1234 of the 11 digits at text[s…s+11) */
  masked(text: string, s: number) {
    this.room(16)
    const b = this.bytes
    let p = this.pos
    b[p++] = COMMA
    b[p++] = QUOTE
    for (let i = 0; i < 3; i++) b[p++] = text.charCodeAt(s + i)
    for (let i = 0; i < 4; i++) b[p++] = STAR
    for (let i = 7; i < 11; i++) b[p++] = text.charCodeAt(s + i)
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
    this.end()
  }
}

// ---------------------------------------------------------------- HMAC-SHA256 of a phone

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
const PREFIX = 'phone:'

/**
 * HMAC-SHA256(key, `phone:${phone}`) for a phone of ASCII digits, the key's inner and outer
 * blocks compressed once (RFC 2104: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))). A message longer than
 * one block (never a phone) or not ASCII goes to crypto.createHmac.
 */
export class PhoneHmac {
  private readonly inner: Int32Array
  private readonly outer: Int32Array
  private readonly w = new Int32Array(64)
  private readonly mid = new Int32Array(8)
  private readonly out = new Int32Array(8)

  constructor(private readonly key: Buffer) {
    const block = Buffer.alloc(64)
    if (key.length > 64) crypto.createHash('sha256').update(key).digest().copy(block)
    else key.copy(block)
    this.inner = this.keyState(block, 0x36)
    this.outer = this.keyState(block, 0x5c)
  }

  private keyState(block: Buffer, pad: number) {
    for (let i = 0; i < 16; i++) {
      const o = i * 4
      this.w[i] = ((block[o]! ^ pad) << 24) | ((block[o + 1]! ^ pad) << 16) | ((block[o + 2]! ^ pad) << 8) | (block[o + 3]! ^ pad)
    }
    const state = new Int32Array(8)
    this.compress(IV, state)
    return state
  }

  /** the eight big-endian words of the digest of text[s…e) */
  digest(text: string, s: number, e: number): Int32Array {
    const n = PREFIX.length + e - s
    let ascii = n <= 55
    for (let i = s; ascii && i < e; i++) if (text.charCodeAt(i) > 127) ascii = false
    if (!ascii) {
      const d = crypto.createHmac('sha256', this.key).update(`${PREFIX}${text.slice(s, e)}`).digest()
      for (let i = 0; i < 8; i++) this.out[i] = d.readInt32BE(i * 4)
      return this.out
    }
    const w = this.w
    w.fill(0, 0, 16)
    for (let i = 0; i < n; i++) {
      const c = i < PREFIX.length ? PREFIX.charCodeAt(i) : text.charCodeAt(s + i - PREFIX.length)
      w[i >> 2] = w[i >> 2]! | (c << (24 - (i & 3) * 8))
    }
    w[n >> 2] = w[n >> 2]! | (0x80 << (24 - (n & 3) * 8))
    w[15] = (64 + n) * 8
    this.compress(this.inner, this.mid)
    for (let i = 0; i < 8; i++) w[i] = this.mid[i]!
    w[8] = 0x80000000 | 0
    w.fill(0, 9, 15)
    w[15] = (64 + 32) * 8
    this.compress(this.outer, this.out)
    return this.out
  }

  /** the digest as hex (tests; the stage writes the words itself) */
  hex(phone: string) {
    const h = this.digest(phone, 0, phone.length)
    let s = ''
    for (let i = 0; i < 8; i++) s += (h[i]! >>> 0).toString(16).padStart(8, '0')
    return s
  }

  /** one SHA-256 compression of the block in w[0…16), from state into out */
  private compress(state: Int32Array, out: Int32Array) {
    const w = this.w
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!
      const b = w[i - 2]!
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
    }
    let a = state[0]!
    let b = state[1]!
    let c = state[2]!
    let d = state[3]!
    let e = state[4]!
    let f = state[5]!
    let g = state[6]!
    let h = state[7]!
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    out[0] = (state[0]! + a) | 0
    out[1] = (state[1]! + b) | 0
    out[2] = (state[2]! + c) | 0
    out[3] = (state[3]! + d) | 0
    out[4] = (state[4]! + e) | 0
    out[5] = (state[5]! + f) | 0
    out[6] = (state[6]! + g) | 0
    out[7] = (state[7]! + h) | 0
  }
}
