import { z } from 'zod'
import { requiredText } from './fields'

export const MAX_SITE_ORIGINS = 20

const ORIGIN_SHAPE = /^https?:\/\/([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/

/**
 * `https://www.example-4s.cn` or `http://localhost:8080`: scheme, host and port only.
 * A trailing slash is forgiven; a path, query, fragment, user or wildcard is not.
 * Returns the origin as browsers send it in the Origin header (host lower-cased,
 * default port dropped, international names in punycode), or null.
 */
export function normalizeOrigin(input: string): string | null {
  const raw = input.trim().replace(/\/$/, '')
  if (!/^https?:\/\/[^/?#@*\s]+$/i.test(raw) || !URL.canParse(raw)) return null
  const url = new URL(raw)
  if (url.username || url.password || !url.hostname) return null
  // letters, digits, dots and hyphens (punycode), or an IPv6 literal: safe to write into CORS and CSP headers
  return ORIGIN_SHAPE.test(url.origin) ? url.origin : null
}

export const SiteSchema = z.object({
  storeId: z.uuid('validation.required'),
  name: requiredText(100),
  origins: z
    .string({ error: 'validation.required' })
    .transform((text, ctx) => {
      const lines = text
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
      if (!lines.length) {
        ctx.addIssue({ code: 'custom', message: 'sites.originsRequired' })
        return z.NEVER
      }
      if (lines.length > MAX_SITE_ORIGINS) {
        ctx.addIssue({ code: 'custom', message: `sites.tooManyOrigins?max=${MAX_SITE_ORIGINS}` })
        return z.NEVER
      }
      const origins: string[] = []
      for (const line of lines) {
        const origin = normalizeOrigin(line)
        if (!origin) {
          ctx.addIssue({ code: 'custom', message: `sites.badOrigin?origin=${encodeURIComponent(line.slice(0, 80))}` })
          return z.NEVER
        }
        if (!origins.includes(origin)) origins.push(origin)
      }
      return origins
    }),
  active: z
    .string()
    .optional()
    .transform((v) => v === 'on' || v === 'true'),
})

export type SiteInput = z.output<typeof SiteSchema>
