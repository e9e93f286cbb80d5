import { z } from 'zod'
import { ROLES } from '../../db/schema/enums'
import { queryChoice, queryNotice, queryText } from './fields'

/** A checkbox posts "on" when ticked and nothing when not. */
const checkbox = z.preprocess((v) => v === 'on' || v === 'true', z.boolean())

const password = z
  .string({ error: 'validation.required' })
  .min(10, 'validation.tooShort?min=10')
  .max(200, 'validation.tooLong?max=200')

const UserFields = z.object({
  name: z
    .string({ error: 'validation.required' })
    .trim()
    .min(1, 'validation.required')
    .max(100, 'validation.tooLong?max=100'),
  email: z
    .string({ error: 'validation.required' })
    .trim()
    .toLowerCase()
    .min(1, 'validation.required')
    .max(200, 'validation.tooLong?max=200')
    .email('validation.email'),
  role: z.enum(ROLES, { error: 'validation.choice' }),
  storeIds: z
    .array(z.string().max(64, 'validation.choice'), { error: 'validation.choice' })
    .default([])
    .transform((ids) => [...new Set(ids)]),
  active: checkbox,
})

type UserFieldsValue = z.infer<typeof UserFields>

// Executives read every store of the group, so they need no membership; everyone else needs one.
const storeRule = {
  path: ['storeIds'],
  message: 'validation.storeRequired',
  // also report it next to other field errors, unless the role or the stores are themselves invalid
  when: (payload: z.core.ParsePayload) =>
    !payload.issues.some((i) => i.path?.[0] === 'role' || i.path?.[0] === 'storeIds'),
}
const hasStoreIfNeeded = (v: UserFieldsValue) => v.role === 'executive' || v.storeIds.length > 0

export const UserCreateSchema = UserFields.extend({ password }).refine(hasStoreIfNeeded, storeRule)

/** On edit an empty password keeps the current one. */
export const UserUpdateSchema = UserFields.extend({
  password: z.preprocess((v) => (v === '' ? undefined : v), password.optional()),
}).refine(hasStoreIfNeeded, storeRule)

export type UserFormValues = Omit<UserFieldsValue, 'password'>

/** What the user typed, to show again next to the errors (never the password). */
export function userFormValues(raw: Record<string, unknown>): UserFormValues {
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 200) : '')
  const role = ROLES.find((r) => r === raw.role) ?? 'sales'
  const storeIds = Array.isArray(raw.storeIds) ? raw.storeIds.filter((v): v is string => typeof v === 'string') : []
  return { name: text(raw.name), email: text(raw.email), role, storeIds, active: raw.active === 'on' }
}

/** The list's query string: search, role filter and sort; a bad value answers 400 naming it. */
export const UserListQuerySchema = z.object({
  q: queryText(100),
  role: queryChoice(ROLES),
  sort: queryChoice(['name', 'email', 'role', 'active']).transform((v) => v ?? 'name'),
  dir: queryChoice(['asc', 'desc']).transform((v) => v ?? 'asc'),
  notice: queryNotice,
})
export type UserListQuery = z.infer<typeof UserListQuerySchema>
