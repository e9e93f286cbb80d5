import { codesOf } from './sales-text-batch'

/**
 * The VINs and order numbers a sales file has shown so far, each with the row it first
 * appeared on (a second sale with the same key is refused, naming that row). A million-row
 * file makes a million keys of each: in a JavaScript Map that is two million strings, a
 * lookup and an insert per key per row, and the Map's growth — measured at ~1.5 µs a row for
 * the VINs alone, a fifth of the whole import. So: open addressing over typed arrays, the
 * keys' characters packed into one array, a key looked up straight from the cell it lies in
 * (no string made: the batch's code units, sales-text-batch.ts) and added at the slot the
 * lookup found.
 *
 * The arrays live on resizable ArrayBuffers: they grow in place, and release() gives their
 * memory back at once instead of at the next full collection: the import writes its Parquet
 * file right after reading, and a million rows' keys (~85 MB) still held then pushed the
 * import's peak memory past the 300 MB SPEC §7 allows. reserve() sizes the table for the
 * keys a file is expected to hold, so it is not rebuilt as they come.
 */
export class SeenKeys {
  private mask = (1 << 16) - 1
  /** two numbers a slot, side by side: the key's hash and its number (1-based; 0: free) */
  private slots = int32(1 << 17)
  /** by key number − 1: the first row, and where the key's characters start (they end where the next key's start) */
  private rows = int32(1 << 12)
  private offsets = int32(1 << 12)
  /** every key's characters, one after the other; one byte each until a key needs two */
  private chars: Uint8Array | Uint16Array = uint8(1 << 16)
  private used = 0
  private pendingHash = 0
  size = 0

  /**
   * The slot of the key text[s…e): where it is (row(slot) ≥ 0) or where it would go. Call
   * add(slot, …) for the same key before the next find to add it there.
   */
  find(text: Uint16Array, s: number, e: number): number {
    let h = 0x811c9dc5
    for (let i = s; i < e; i++) h = Math.imul(h ^ text[i]!, 0x01000193)
    h ^= h >>> 15
    h = Math.imul(h, 0x2c1b3c6d)
    h ^= h >>> 12
    this.pendingHash = h
    const mask = this.mask
    const slots = this.slots
    let slot = h & mask
    for (;;) {
      const key = slots[slot * 2 + 1]!
      if (key === 0) return slot
      if (slots[slot * 2] === h && this.same(key - 1, text, s, e)) return slot
      slot = (slot + 1) & mask
    }
  }

  /** the first row of the key at the slot, -1 when the slot is free */
  row(slot: number) {
    const key = this.slots[slot * 2 + 1]!
    return key === 0 ? -1 : this.rows[key - 1]!
  }

  /** adds the key text[s…e) at the free slot its find() returned */
  add(slot: number, text: Uint16Array, s: number, e: number, row: number) {
    const n = e - s
    if (this.used + n > this.chars.length) this.growChars(n)
    let chars = this.chars
    const used = this.used
    let i = 0
    if (chars instanceof Uint8Array) {
      // copied while each character fits a byte; the first that does not widens the array
      for (; i < n; i++) {
        const c = text[s + i]!
        if (c > 255) break
        chars[used + i] = c
      }
      if (i < n) {
        const wide = uint16(chars.length)
        wide.set(chars)
        release(chars)
        chars = this.chars = wide
      }
    }
    for (; i < n; i++) chars[used + i] = text[s + i]!
    const k = this.size
    if (k >= this.rows.length) {
      const size = Math.ceil(this.rows.length * 1.5)
      this.rows = int32(size, this.rows)
      this.offsets = int32(size, this.offsets)
    }
    this.rows[k] = row
    this.offsets[k] = used
    this.slots[slot * 2] = this.pendingHash
    this.slots[slot * 2 + 1] = k + 1
    this.used = used + n
    if (++this.size * 2 > this.mask) this.rehash((this.mask + 1) * 2)
  }

  /** the row a key first appeared on, undefined when it has not */
  get(key: string): number | undefined {
    const row = this.row(this.find(codesOf(key), 0, key.length))
    return row < 0 ? undefined : row
  }

  /** remembers the key's row unless it has one */
  put(key: string, row: number) {
    const codes = codesOf(key)
    const slot = this.find(codes, 0, key.length)
    if (this.row(slot) < 0) this.add(slot, codes, 0, key.length, row)
  }

  has(key: string) {
    return this.get(key) !== undefined
  }

  private same(k: number, text: Uint16Array, s: number, e: number) {
    const n = e - s
    const from = this.offsets[k]!
    if ((k + 1 < this.size ? this.offsets[k + 1]! : this.used) - from !== n) return false
    const chars = this.chars
    for (let i = 0; i < n; i++) if (chars[from + i] !== text[s + i]) return false
    return true
  }

  private growChars(n: number) {
    let size = this.chars.length
    while (size < this.used + n) size = Math.ceil(size * 1.5)
    this.chars = this.chars instanceof Uint8Array ? uint8(size, this.chars) : uint16(size, this.chars)
  }

  /**
   * Room for this many keys without growing: the slots' table made at the size they need, so
   * a million-row file does not rehash its keys 5 times over (~0.25 s). Only ever grows.
   */
  reserve(keys: number) {
    if (!(keys > 0)) return
    keys = Math.min(keys, MAX_RESERVE)
    if (keys * 2 <= this.mask) return
    let size = this.mask + 1
    while (keys * 2 > size - 1) size *= 2
    this.rehash(size)
    if (keys > this.rows.length) {
      this.rows = int32(keys, this.rows)
      this.offsets = int32(keys, this.offsets)
    }
  }

  /** gives the memory back; the keys are gone (the validator is done with the file) */
  release() {
    for (const a of [this.slots, this.rows, this.offsets, this.chars]) release(a)
    this.slots = int32(4)
    this.rows = int32(1)
    this.offsets = int32(1)
    this.chars = uint8(1)
    this.mask = 1
    this.size = 0
    this.used = 0
  }

  /** the slots' table at `size` slots (a power of two), every key moved in */
  private rehash(size: number) {
    const old = this.slots
    const mask = size - 1
    const slots = int32(size * 2)
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue
      let slot = old[i]! & mask
      while (slots[slot * 2 + 1] !== 0) slot = (slot + 1) & mask
      slots[slot * 2] = old[i]!
      slots[slot * 2 + 1] = old[i + 1]!
    }
    release(old)
    this.slots = slots
    this.mask = mask
  }
}

/** more keys than reserve() makes room for at once (the rest grow as they come) */
const MAX_RESERVE = 1 << 21

// Resizable buffers (ES2024; Node 20 has them, this project's TypeScript lib does not yet).
// Each reserves address space for MAX_BYTES and takes memory only as it is resized: an array
// grows in place (no copy, no second array alive meanwhile), and resize(0) gives its memory
// back at once instead of at the next full collection.
type Resizable = ArrayBuffer & { resize(length: number): void; readonly maxByteLength: number }
const ResizableBuffer = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => Resizable
const MAX_BYTES = 2 ** 28
/** a new buffer, or `from`'s grown in place to n elements (its view is then stale) */
function resizable(bytes: number, from?: ArrayBufferView): Resizable {
  if (from) {
    const buffer = from.buffer as Resizable
    if (bytes <= buffer.maxByteLength) {
      if (bytes > buffer.byteLength) buffer.resize(bytes)
      return buffer
    }
    const bigger = new ResizableBuffer(bytes, { maxByteLength: Math.max(bytes, MAX_BYTES) })
    new Uint8Array(bigger).set(new Uint8Array(buffer, 0, from.byteLength))
    buffer.resize(0)
    return bigger
  }
  return new ResizableBuffer(bytes, { maxByteLength: Math.max(bytes, MAX_BYTES) })
}
const int32 = (n: number, from?: Int32Array) => new Int32Array(resizable(n * 4, from), 0, n)
const uint8 = (n: number, from?: Uint8Array) => new Uint8Array(resizable(n, from), 0, n)
const uint16 = (n: number, from?: Uint16Array) => new Uint16Array(resizable(n * 2, from), 0, n)
/** the buffer shrunk to nothing: its memory is returned now, not at the next full collection */
function release(a: Int32Array | Uint8Array | Uint16Array) {
  ;(a.buffer as Resizable).resize(0)
}
