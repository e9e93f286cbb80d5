/** Types of phone-hmac.mjs (plain JavaScript, so that the reader's worker thread loads it as it is). */
export declare class PhoneHmacBlocks {
  constructor(block: Uint8Array)
  /** the digest of `phone:` + text[s…e) into out[at…at+8); false when not ASCII or longer than one block */
  digest(text: string, s: number, e: number, out: Int32Array, at: number): boolean
}
