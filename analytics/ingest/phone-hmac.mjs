/**
 * HMAC-SHA256 of `phone:<phone>` with the key's inner and outer blocks compressed once
 * (RFC 2104: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m))): two SHA-256 compressions a phone instead of
 * four, and no Buffer or hex string made. The sales import hashes a million phones with it,
 * on the main thread (sales-stage.ts) and in the reader's thread (stream-worker.mjs), which
 * both import this one module so that their hashes cannot differ
 * (docs/decisions/015-sales-import.md). The result equals app/utils/phone-hash.server.ts's.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
const PREFIX = [...'phone:'].map((c) => c.charCodeAt(0))

export class PhoneHmacBlocks {
  /** @param {Uint8Array} block the key as one 64-byte block: a key longer than a block is hashed into it first (the caller's part) */
  constructor(block) {
    if (block.length !== 64) throw new RangeError('The key block must be 64 bytes.')
    this.w = new Int32Array(64)
    this.mid = new Int32Array(8)
    this.inner = this.keyState(block, 0x36)
    this.outer = this.keyState(block, 0x5c)
  }

  /** @param {Uint8Array} block @param {number} pad */
  keyState(block, pad) {
    for (let i = 0; i < 16; i++) {
      const o = i * 4
      this.w[i] = ((/** @type {number} */ (block[o]) ^ pad) << 24) | ((/** @type {number} */ (block[o + 1]) ^ pad) << 16) | ((/** @type {number} */ (block[o + 2]) ^ pad) << 8) | (/** @type {number} */ (block[o + 3]) ^ pad)
    }
    const state = new Int32Array(8)
    this.compress(IV, state, 0)
    return state
  }

  /**
   * The digest of `phone:` + text[s…e) as eight big-endian words in out[at…at+8). False, and
   * out untouched, when the message is not ASCII or does not fit one block (never a phone):
   * the caller hashes those another way.
   * @param {string} text @param {number} s @param {number} e @param {Int32Array} out @param {number} at
   */
  digest(text, s, e, out, at) {
    const n = PREFIX.length + e - s
    if (n > 55) return false
    for (let i = s; i < e; i++) if (text.charCodeAt(i) > 127) return false
    const w = this.w
    w.fill(0, 0, 16)
    for (let i = 0; i < n; i++) {
      const c = i < PREFIX.length ? /** @type {number} */ (PREFIX[i]) : text.charCodeAt(s + i - PREFIX.length)
      w[i >> 2] = /** @type {number} */ (w[i >> 2]) | (c << (24 - (i & 3) * 8))
    }
    w[n >> 2] = /** @type {number} */ (w[n >> 2]) | (0x80 << (24 - (n & 3) * 8))
    w[15] = (64 + n) * 8
    this.compress(this.inner, this.mid, 0)
    for (let i = 0; i < 8; i++) w[i] = /** @type {number} */ (this.mid[i])
    w[8] = 0x80000000 | 0
    w.fill(0, 9, 15)
    w[15] = (64 + 32) * 8
    this.compress(this.outer, out, at)
    return true
  }

  /** one SHA-256 compression of the block in w[0…16), from state into out[at…at+8) @param {Int32Array} state @param {Int32Array} out @param {number} at */
  compress(state, out, at) {
    const w = this.w
    for (let i = 16; i < 64; i++) {
      const a = /** @type {number} */ (w[i - 15])
      const b = /** @type {number} */ (w[i - 2])
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      w[i] = (/** @type {number} */ (w[i - 16]) + s0 + /** @type {number} */ (w[i - 7]) + s1) | 0
    }
    let a = /** @type {number} */ (state[0])
    let b = /** @type {number} */ (state[1])
    let c = /** @type {number} */ (state[2])
    let d = /** @type {number} */ (state[3])
    let e = /** @type {number} */ (state[4])
    let f = /** @type {number} */ (state[5])
    let g = /** @type {number} */ (state[6])
    let h = /** @type {number} */ (state[7])
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + /** @type {number} */ (K[i]) + /** @type {number} */ (w[i])) | 0
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
    out[at] = (/** @type {number} */ (state[0]) + a) | 0
    out[at + 1] = (/** @type {number} */ (state[1]) + b) | 0
    out[at + 2] = (/** @type {number} */ (state[2]) + c) | 0
    out[at + 3] = (/** @type {number} */ (state[3]) + d) | 0
    out[at + 4] = (/** @type {number} */ (state[4]) + e) | 0
    out[at + 5] = (/** @type {number} */ (state[5]) + f) | 0
    out[at + 6] = (/** @type {number} */ (state[6]) + g) | 0
    out[at + 7] = (/** @type {number} */ (state[7]) + h) | 0
  }
}
