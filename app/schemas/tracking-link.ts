import { z } from 'zod'
import { queryFlag } from './fields'

// Tracking links (SPEC §3). Messages are i18n keys.

/** An address a phone can open: http or https, a real host name, no credentials, no spaces. */
export function isWebUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value) || /\s/.test(value)) return false
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  if (url.username || url.password) return false
  const host = url.hostname
  // a public landing page has a dotted name (or an IPv4 address) or an IPv6 literal
  return (host.includes('.') && !host.startsWith('.') && !host.endsWith('..')) || host.startsWith('[')
}

const webUrl = z
  .string({ error: 'validation.required' })
  .trim()
  .min(1, 'validation.required')
  .max(2000, 'validation.tooLong?max=2000')
  .refine(isWebUrl, 'links.badUrl')

const CONTROL = /[\u0000-\u001f\u007f]/
const utmValue = (required: boolean) =>
  z
    .string({ error: required ? 'validation.required' : 'validation.invalid' })
    .trim()
    .max(100, 'validation.tooLong?max=100')
    .refine((v) => !required || v.length > 0, 'validation.required')
    .refine((v) => !CONTROL.test(v), 'validation.invalid')

/** The per-link edit form: where it leads, its UTM parameters, whether it still redirects. */
export const TrackingLinkSchema = z.object({
  destinationUrl: webUrl,
  utmSource: utmValue(true),
  utmMedium: utmValue(true),
  utmCampaign: utmValue(true),
  utmContent: utmValue(false).default(''),
  // an unticked checkbox sends nothing
  active: z
    .string()
    .optional()
    .transform((v) => v === 'on' || v === 'true'),
})
export type TrackingLinkInput = z.output<typeof TrackingLinkSchema>

/** "Create the missing links": the landing page new links lead to (the store's website when empty). */
export const EnsureLinksSchema = z.object({
  destinationUrl: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || (v.length <= 2000 && isWebUrl(v)), 'links.badUrl'),
})

/** A QR code's address: `?download=1` saves it as a file. */
export const QrQuerySchema = z.object({ download: queryFlag })
