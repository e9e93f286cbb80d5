import { z } from 'zod'
import { parsePhone } from '../utils/phone'
import { requiredText, text } from './fields'

/**
 * The web lead form (SPEC §3): posted by the embeddable form page `/f/<siteKey>`, by a
 * store's own form that rs.js attaches to, or by a plain HTML form. JSON or form fields;
 * messages are i18n keys, answered translated to the visitor's language.
 */
const optionalUrl = z
  .string()
  .max(2048)
  .optional()
  .nullable()
  .catch(null)
  .transform((v) => (v && URL.canParse(v) && /^https?:$/.test(new URL(v).protocol) ? v : null))

export const WebLeadSchema = z.object({
  siteKey: z.string({ error: 'validation.required' }).regex(/^[A-Za-z0-9_-]{8,64}$/, 'validation.invalid'),
  name: requiredText(50),
  phone: z
    .string({ error: 'validation.required' })
    .trim()
    .min(1, 'validation.required')
    .max(40, 'sites.form.phoneInvalid')
    .transform((v, ctx) => {
      const parsed = parsePhone(v)
      if (parsed?.kind === 'full') return parsed.phone
      // a masked number (138****1234) is how platforms hand over leads, never what a person types
      ctx.addIssue({ code: 'custom', message: parsed?.kind === 'masked' ? 'sites.form.phoneMasked' : 'sites.form.phoneInvalid' })
      return z.NEVER
    }),
  model: text(100),
  message: text(500),
  visitorId: z
    .string()
    .optional()
    .nullable()
    .transform((v) => (v && /^[A-Za-z0-9_-]{8,64}$/.test(v) ? v : null)),
  consent: z
    .union([z.boolean(), z.string()], { error: 'sites.form.consentRequired' })
    .optional()
    .refine((v) => v === true || (typeof v === 'string' && ['on', 'true', '1', 'yes'].includes(v)), 'sites.form.consentRequired')
    .transform(() => true as const),
  /** the page the form was on, and that page's referrer: the lead's channel comes from them */
  page: optionalUrl,
  referrer: optionalUrl,
  /** a field people do not see: a form that fills it is a script */
  website: z.string().optional().catch(undefined),
})

export type WebLeadInput = z.output<typeof WebLeadSchema>

/**
 * The form page's query string (`/f/<siteKey>?v=…&page=…&ref=…`), written by rs.js from the
 * page around the frame and by /api/leads after a no-script post. Unlike the staff pages'
 * queries it refuses nothing: an unusable value is left out, because a 400 here would lose
 * the visitor's lead on a store's website that put odd text in its own address.
 */
export const LeadFormPageQuerySchema = z.object({
  v: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).catch(''),
  page: optionalUrl.transform((v) => v ?? ''),
  ref: optionalUrl.transform((v) => v ?? ''),
  sent: z.literal('1').optional().catch(undefined),
  error: z.string().max(200).catch(''),
})
