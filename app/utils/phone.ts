/**
 * China mobile numbers (SPEC §3): 11 digits starting with 1, written with +86 / 0086 /
 * 86 prefixes, spaces, dashes or dots. Lead platforms hand over masked numbers such as
 * `138****1234` or `134xxxx1234`: those keep their first 3 and last 4 digits, a partial key.
 */
export type ParsedPhone =
  | { kind: 'full'; phone: string; masked: string }
  | { kind: 'masked'; masked: string; prefix: string; suffix: string }

const MOBILE = /^1[3-9]\d{9}$/

export function maskPhone(phone: string) {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`
}

export function parsePhone(input: string | null | undefined): ParsedPhone | null {
  if (!input) return null
  let s = String(input).trim().replace(/[\s\-().·]/g, '')
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
