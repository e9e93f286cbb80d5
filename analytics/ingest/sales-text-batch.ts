import type { TableRow } from './read-table'

/**
 * A batch of CSV rows as the sales import's reader hands it over (sales-stream.ts; the
 * worker's 'text' packing, docs/decisions/014-background-jobs.md): one string and the
 * offsets of its cells. Pure, so that the validator (sales-validate.ts) reads it without the
 * reader's thread machinery.
 */

/** A batch of CSV rows: cell k of the batch is text.slice(starts[k], ends[k]); empty (null) when start === end. */
export type SalesTextBatch = {
  text: string
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

/** The cells of a text batch's row as a TableRow (a row the fast path leaves to the general validator). */
export function textRow(batch: SalesTextBatch, row: number, first: number): TableRow {
  const width = batch.widths[row]!
  const cells = new Array<string | null>(width)
  for (let j = 0; j < width; j++) {
    const s = batch.starts[first + j]!
    const e = batch.ends[first + j]!
    cells[j] = s === e ? null : batch.text.slice(s, e)
  }
  return { rowNumber: batch.rowNumbers[row]!, cells }
}
