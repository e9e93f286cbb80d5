const FULL_WIDTH = /[\uff01-\uff5e\u3000]/

/**
 * Full-width letters, digits and signs (ＡＢＣ１２３，（）＋) as their ASCII forms; the
 * ideographic space as a space. What Chinese input methods type and Chinese exports carry;
 * every reader of typed or exported values (phones, dates, amounts, headers) goes through it.
 */
export function toHalfWidth(s: string): string {
  if (!FULL_WIDTH.test(s)) return s
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    out += c >= 0xff01 && c <= 0xff5e ? String.fromCharCode(c - 0xfee0) : c === 0x3000 ? ' ' : s[i]
  }
  return out
}
