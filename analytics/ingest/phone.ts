import { toHalfWidth } from './half-width'

/**
 * China mobile numbers (SPEC §3): 11 digits starting with 1, written with +86 / 0086 /
 * 86 prefixes, spaces, dashes or dots. Lead platforms hand over masked numbers such as
 * `138****1234` or `134xxxx1234` (`138\*\*\*\*1234` when pasted through Markdown): those keep
 * their first 3 and last 4 digits, a partial key.
 * What people type and Excel does to numbers is read too: full-width digits (１３８…), a
 * leading `'` (Excel's text marker), a trailing `.0` and scientific notation (1.38123412E+10
 * when all 11 digits survive); so are a label before the number (手机：, Tel:) and a note after it
 * in brackets ((本人), （微信同号）). Pure: shared by the app and the imports.
 */
export type ParsedPhone =
  | { kind: 'full'; phone: string; masked: string }
  | { kind: 'masked'; masked: string; prefix: string; suffix: string }

const MOBILE = /^1[3-9]\d{9}$/
const LABEL = /^(?:手机号码|手机号|手机|移动电话|联系电话|联系方式|电话号码|电话|tel|mobile|mob|phone|cell)\.?\s*[:：]?\s*/i
/** a note in brackets after the number, without digits (a second number is not a note) */
const NOTE = /\s*\([^()\d]*\)$/

export function maskPhone(phone: string) {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`
}

const SCIENTIFIC = /^(\d)\.(\d+)[eE]\+?(\d{1,2})$/

/** 1.38123412E+10 → 13812341234, only when the mantissa still holds every digit. */
function fromScientific(text: string) {
  const m = SCIENTIFIC.exec(text)
  if (!m) return text
  const digits = m[1]! + m[2]!
  const exponent = Number(m[3])
  return digits.length === exponent + 1 ? digits : text
}

export function parsePhone(input: string | number | null | undefined): ParsedPhone | null {
  if (input === null || input === undefined || input === '') return null
  if (typeof input === 'number') input = Number.isSafeInteger(input) ? String(input) : ''
  let s = toHalfWidth(String(input)).trim()
  if (s.startsWith("'")) s = s.slice(1).trim()
  // a label before the number (手机：…, Tel: …) and a note after it in brackets ((本人), (微信同号))
  if (!/^[\d+(]/.test(s)) s = s.replace(LABEL, '')
  if (s.endsWith(')')) s = s.replace(NOTE, '')
  s = fromScientific(s).replace(/\.0+$/, '')
  // a backslash is what a chat or a Markdown table put before each * of a mask (138\*\*\*\*1234)
  s = s.replace(/[\s\-().·\\]/g, '')
  s = s.replace(/^(\+86|0086|86)(?=1\d{10}$|1\d{2}[*xX＊]{4}\d{4}$)/, '')
  if (MOBILE.test(s)) return { kind: 'full', phone: s, masked: maskPhone(s) }
  const masked = /^(1[3-9]\d)[*xX＊]{4}(\d{4})$/.exec(s)
  if (masked) return { kind: 'masked', masked: `${masked[1]}****${masked[2]}`, prefix: masked[1]!, suffix: masked[2]! }
  return null
}

/** The form of a phone a given role may see: the full number, or its masked form. */
export function displayPhone(lead: { phone: string | null; phoneMasked: string | null }, canSeeFull: boolean) {
  if (lead.phone && canSeeFull) return lead.phone
  return lead.phoneMasked ?? (lead.phone ? maskPhone(lead.phone) : '')
}

const MOBILE_IN_TEXT = /(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)/g

/** Free text with any mobile number in it masked as `138****1234` (a name, a note, an import's reason quoting a cell). */
export function maskPhonesInText(text: string) {
  return text.replace(MOBILE_IN_TEXT, (_m, a: string, _b: string, c: string) => `${a}****${c}`)
}

/**
 * A cell as an import's reason quotes it: its mobile numbers masked (a reason is shown to every
 * role that reads the import, downloaded, and kept after an erasure: ADR 008), at most 40
 * characters, on one line.
 */
export function quoteInReason(text: string) {
  const s = maskPhonesInText(text)
  return (s.length > 40 ? `${s.slice(0, 40)}…` : s).replace(/[\r\n\t]+/g, ' ')
}
