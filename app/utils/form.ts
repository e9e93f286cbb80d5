import type { z } from 'zod'
import type { MessageKey, Translate } from '../i18n'

/**
 * Turns form fields named like `tasks[0].title` or `purposes[]` into a nested object,
 * the shape the zod schemas expect. Works the same with and without JavaScript.
 */
export function formToObject(formData: FormData, skip: readonly string[] = ['csrf', 'intent']) {
  const root: Record<string, unknown> = {}
  for (const [rawName, rawValue] of formData.entries()) {
    if (skip.includes(rawName) || typeof rawValue !== 'string') continue
    const isList = rawName.endsWith('[]')
    const name = isList ? rawName.slice(0, -2) : rawName
    const keys = name.split(/\.|\[(\d+)\]\.?/).filter((k) => k !== undefined && k !== '')
    let node: Record<string, unknown> | unknown[] = root
    keys.forEach((key, i) => {
      const last = i === keys.length - 1
      const nextIsIndex = !last && /^\d+$/.test(keys[i + 1]!)
      const slot = /^\d+$/.test(key) && Array.isArray(node) ? Number(key) : key
      const container = node as Record<string | number, unknown>
      if (last) {
        if (isList) {
          const list = (container[slot] as unknown[] | undefined) ?? []
          list.push(rawValue)
          container[slot] = list
        } else container[slot] = rawValue
      } else {
        container[slot] ??= nextIsIndex ? [] : {}
        node = container[slot] as Record<string, unknown>
      }
    })
  }
  // drop holes left by removed rows so that indexes stay dense
  const compact = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.filter((v) => v !== undefined).map(compact)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]))
        : value
  return compact(root) as Record<string, unknown>
}

/** `tasks.0.title` → message key; the first issue per field wins. */
export type FieldErrors = Record<string, string>

export function toFieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {}
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.') || '_form'
    errors[path] ??= issue.message
  }
  return errors
}

/** Messages are i18n keys, optionally with parameters: `validation.tooLong?max=200`. */
export function splitMessage(message: string): [string, Record<string, string>] {
  const [key, query] = message.split('?')
  return [key!, Object.fromEntries(new URLSearchParams(query ?? ''))]
}

/** A row outcome's reason (`sales.reason.dateInvalid?value=…`) in the reader's language; empty for none. */
export function rowReasonText(t: Translate, message: string | null): string {
  if (!message) return ''
  const [key, params] = splitMessage(message)
  return t(key as MessageKey, params)
}

/** The other way: a key and its parameters as one message (`imports.reason.tooLong?max=40`), as import_rows.reason keeps it. */
export function joinMessage(key: string, params?: Record<string, string | number>): string {
  if (!params || !Object.keys(params).length) return key
  return `${key}?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString()}`
}
