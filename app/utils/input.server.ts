import type { z } from 'zod'
import { dictionaries, translator, type MessageKey } from '../i18n'
import { splitMessage } from './form'
import { resolveLocale } from './i18n.server'

/**
 * Input that cannot be used answers 400 with a text that names each bad field and says
 * what is wrong, in the user's language. The error page (app/root.tsx) shows the text; a
 * download (CSV, QR code) shows it as is. Never a 500: see test/no-5xx.test.ts.
 */

/** A field and what is wrong with it, as an i18n message (`validation.tooLong?max=60`). */
export type InputProblem = { field: string; message: string }

type LocaleSource = { locale: string | null } | null | undefined

function textResponse(text: string) {
  return new Response(text, { status: 400, statusText: 'Bad Request', headers: { 'Content-Type': 'text/plain; charset=utf-8' } })
}

// a field name may come from the request: shown short and without control characters
// eslint-disable-next-line no-control-regex
const printable = (name: string) => name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 60)

/** Throws the 400. `user` (when known) picks the language the rest of the page speaks. */
export function badInput(request: Request, problems: InputProblem[], user?: LocaleSource): never {
  const t = translator(resolveLocale(request, user?.locale))
  const lines = problems.map(({ field, message }) => {
    const [key, vars] = splitMessage(message)
    const text = key in dictionaries.en ? t(key as MessageKey, vars) : t('validation.invalid')
    return t('error.fieldProblem', { field: printable(field), message: text })
  })
  throw textResponse([...new Set(lines)].join('\n'))
}

/** Throws the 400 for a body that is no form (or not the form its Content-Type names). */
export function unreadableForm(request: Request): never {
  throw textResponse(translator(resolveLocale(request))('error.unreadableForm'))
}

/** Throws the 400 for a form value a schema refused, where the form cannot show it beside its field (a hidden field, a button). */
export function badFields(request: Request, error: z.ZodError, user?: LocaleSource): never {
  badInput(request, problemsOf(error, new Set()), user)
}

function problemsOf(error: z.ZodError, repeated: Set<string>): InputProblem[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '_form'
    return { field, message: repeated.has(String(issue.path[0])) ? 'validation.once' : issue.message }
  })
}

/**
 * The request's query string through a zod schema (app/schemas, the `query*` fields of
 * fields.ts): its output, or a 400 naming the bad fields. A key given twice arrives as an
 * array, which a single-valued field refuses; keys the schema does not name are ignored.
 */
export function parseQuery<S extends z.ZodType>(request: Request, schema: S, user?: LocaleSource): z.output<S> {
  const params = new URL(request.url).searchParams
  const repeated = new Set<string>()
  const entries = [...new Set(params.keys())].map((key) => {
    const values = params.getAll(key)
    if (values.length > 1) repeated.add(key)
    return [key, values.length > 1 ? values : values[0]!] as const
  })
  // Object.fromEntries makes own properties: `__proto__=` stays a plain key
  const parsed = schema.safeParse(Object.fromEntries(entries))
  if (!parsed.success) badInput(request, problemsOf(parsed.error, repeated), user)
  return parsed.data
}

// where to go after a form is never stored: safeRedirectPath falls back on what it cannot use
const NOT_STORED = new Set(['redirectTo'])

/** The fields holding the NUL character, which no one types and Postgres refuses to store in text. */
export function fieldsWithNul(formData: FormData) {
  const names = new Set<string>()
  for (const [name, value] of formData.entries()) {
    if (typeof value === 'string' && value.includes('\u0000') && !NOT_STORED.has(name)) names.add(name)
  }
  return [...names]
}
