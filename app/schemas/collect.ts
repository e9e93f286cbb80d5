import { z } from 'zod'

/**
 * What public/rs.js sends to POST /api/collect (SPEC §3): one event, or an array of
 * events of one site. Messages here are for the developer of the page that sends them,
 * so they are plain English, not i18n keys.
 */
const id = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(/^[A-Za-z0-9_-]{8,64}$/, `${what} must be 8–64 characters of A–Z, a–z, 0–9, "_" or "-"`)

const pageUrl = z
  .string({ error: 'must be a string' })
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an absolute http(s) URL')

const short = (max: number) => z.string({ error: 'must be a string' }).max(max, `must be at most ${max} characters`)

export const UtmSchema = z
  .object({
    source: short(200).optional(),
    medium: short(200).optional(),
    campaign: short(200).optional(),
    content: short(200).optional(),
    term: short(200).optional(),
  })
  .strict()

export const ClickIdsSchema = z
  .record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'click id names are lower-case words like bd_vid'), short(512))
  .refine((ids) => Object.keys(ids).length <= 10, 'at most 10 click ids')

export const WebEventSchema = z.object({
  siteKey: id('siteKey'),
  visitorId: id('visitorId'),
  /** made by the browser: a retry of the same event carries the same id */
  eventId: id('eventId'),
  type: z.enum(['pageview'], { error: 'type must be "pageview"' }).default('pageview'),
  url: pageUrl,
  referrer: z
    .string({ error: 'must be a string' })
    .max(2048, 'must be at most 2048 characters')
    .refine((v) => v === '' || URL.canParse(v), 'must be a URL or empty')
    .nullish(),
  utm: UtmSchema.optional(),
  clickIds: ClickIdsSchema.optional(),
  /** the browser's clock, ms since 1970; used only when plausible */
  ts: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').optional(),
})

export type WebEventInput = z.output<typeof WebEventSchema>

const bodySchemas = new Map<number, ReturnType<typeof makeBodySchema>>()

/** The body of one request: one event, or up to `maxEvents` of one site (built once per limit: zod schemas are costly to make). */
export function collectBodySchema(maxEvents: number) {
  let schema = bodySchemas.get(maxEvents)
  if (!schema) bodySchemas.set(maxEvents, (schema = makeBodySchema(maxEvents)))
  return schema
}

const makeBodySchema = (maxEvents: number) =>
  z.union(
    [
      WebEventSchema,
      z
        .array(WebEventSchema, { error: 'must be an event object or an array of events' })
        .min(1, 'the array of events is empty')
        .max(maxEvents, `at most ${maxEvents} events in one request`)
        .refine((events) => events.every((e) => e.siteKey === events[0]!.siteKey), 'all events of one request must have the same siteKey'),
    ],
    { error: 'must be an event object or an array of events' },
  )

/** A zod error as "where: what" lines, e.g. `[0].url: must be an absolute http(s) URL`. */
export function describeIssues(error: z.ZodError, limit = 10): string[] {
  const issues = flattenUnion(error.issues)
  return issues.slice(0, limit).map((issue) => {
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '')
    return `${where || '(body)'}: ${issue.message}`
  })
}

/**
 * A body that is neither one event nor an array fails the union as a whole; say what is
 * wrong with the shape it was closest to (an array, or an object) rather than "invalid input".
 */
function flattenUnion(issues: z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue]
    const branches = issue.errors.map((branch) => branch.map((i) => ({ ...i, path: [...issue.path, ...i.path] })))
    // the branch that got furthest: fewest issues that are about the shape itself
    const best = branches.reduce((a, b) => (score(b) < score(a) ? b : a))
    return flattenUnion(best)
  })
}

function score(issues: z.core.$ZodIssue[]) {
  return issues.reduce((sum, i) => sum + (i.code === 'invalid_type' && i.path.length === 0 ? 100 : 1), 0)
}
