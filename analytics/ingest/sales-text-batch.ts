import type { TableRow } from './read-table'

/**
 * A batch of CSV rows as the sales import's reader hands it over (sales-stream.ts; the
 * worker's 'text' packing, docs/decisions/014-background-jobs.md): the UTF-16 code units of
 * its text and the offsets of its cells. Pure, so that the validator (sales-validate.ts)
 * reads it without the reader's thread machinery.
 *
 * The text comes as code units in an ArrayBuffer, not as a string: a buffer is handed from
 * the reader's thread to the main thread without a copy (transferred), where a string of a
 * few hundred kilobytes was copied into a new large object each batch — for a million rows
 * ~400 MB copied and as much fresh memory touched on the main thread (ADR 015, 2026-12-03).
 */

/** A batch of CSV rows: cell k of the batch is cellText(codes, starts[k], ends[k]); empty (null) when start === end. */
export type SalesTextBatch = {
  /** the batch's text as UTF-16 code units, exactly as decoded (lone surrogates included) */
  codes: Uint16Array
  starts: Int32Array
  ends: Int32Array
  rowNumbers: Int32Array
  /** cells per row, in order */
  widths: Int32Array
  /**
   * The keyed hashes of the phone column's cells that are 11 digits, eight words a row, made
   * by the reader's thread (see streamSalesTable's hashPhones); `hashed[row]` says which.
   * Absent before the reader was told the column.
   */
  hashes?: Int32Array
  hashed?: Uint8Array
}

/** the code units codes[s…e) as a string, exactly (no replacement of lone surrogates, unlike a UTF-16 TextDecoder) */
export function cellText(codes: Uint16Array, s: number, e: number): string {
  const n = e - s
  if (n < SHORT.length) {
    // a short cell (most are) through an array kept for its length: no view made per cell
    const units = SHORT[n]!
    for (let i = 0; i < n; i++) units[i] = codes[s + i]!
    return String.fromCharCode.apply(null, units)
  }
  let out = ''
  for (let at = s; at < e; at += 4096) out += String.fromCharCode.apply(null, codes.subarray(at, Math.min(e, at + 4096)) as unknown as number[])
  return out
}
/** by length n < 64, an array of n code units */
const SHORT = Array.from({ length: 64 }, (_, n) => new Array<number>(n).fill(0))

/**
 * The strings of short cells that repeat down a column (付款方式, 是否置换): a cell's code
 * units are looked up in a small direct-mapped table before a string is made for them.
 */
export class RepeatedTexts {
  private readonly strings: Array<string | null> = new Array<string | null>(1024).fill(null)

  text(codes: Uint16Array, s: number, e: number): string {
    const n = e - s
    if (n > 16) return cellText(codes, s, e)
    let h = 0x811c9dc5
    for (let i = s; i < e; i++) h = Math.imul(h ^ codes[i]!, 0x01000193)
    const slot = (h ^ (h >>> 16)) & 1023
    const known = this.strings[slot]
    if (known != null && known.length === n) {
      let i = 0
      while (i < n && known.charCodeAt(i) === codes[s + i]) i++
      if (i === n) return known
    }
    const made = cellText(codes, s, e)
    this.strings[slot] = made
    return made
  }
}

/**
 * A string's UTF-16 code units: written into `into` when it has room (a scratch array the
 * caller keeps; the units then fill its start), else into a new array — of the string's
 * length, or twice `into`'s, to be kept as the next scratch.
 */
export function codesOf(text: string, into?: Uint16Array): Uint16Array {
  const codes = !into ? new Uint16Array(text.length) : text.length <= into.length ? into : new Uint16Array(Math.max(text.length, into.length * 2))
  for (let i = 0; i < text.length; i++) codes[i] = text.charCodeAt(i)
  return codes
}

/** The cells of a text batch's row as a TableRow (a row the fast path leaves to the general validator). */
export function textRow(batch: SalesTextBatch, row: number, first: number): TableRow {
  const width = batch.widths[row]!
  const cells = new Array<string | null>(width)
  for (let j = 0; j < width; j++) {
    const s = batch.starts[first + j]!
    const e = batch.ends[first + j]!
    cells[j] = s === e ? null : cellText(batch.codes, s, e)
  }
  return { rowNumber: batch.rowNumbers[row]!, cells }
}
