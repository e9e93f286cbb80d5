import { CampaignPlanSchema, type CampaignPlanInput } from '../schemas/campaign'
import type { SessionUser } from '../utils/auth.server'
import { applyRowIntent, type PlanFormValues } from '../utils/campaign-form-values'
import { formToObject, toFieldErrors, type FieldErrors } from '../utils/form'
import { listOwners } from './campaigns.server'

export type PlanFormOutcome =
  | { kind: 'rerender'; values: PlanFormValues; errors: FieldErrors }
  | { kind: 'valid'; values: PlanFormValues; input: CampaignPlanInput }

/** Reads a submitted plan: a row added or removed without JavaScript, invalid input, or a valid plan. */
export function readPlanForm(form: FormData): PlanFormOutcome {
  const values = formToObject(form) as PlanFormValues & { version?: string }
  delete values.version
  const intent = String(form.get('intent') ?? 'save')
  if (intent !== 'save') {
    const next = applyRowIntent(values, intent)
    if (next) return { kind: 'rerender', values: next, errors: {} }
  }
  const parsed = CampaignPlanSchema.safeParse(values)
  if (!parsed.success) return { kind: 'rerender', values, errors: toFieldErrors(parsed.error) }
  return { kind: 'valid', values, input: parsed.data }
}

/** The choices a plan form offers this user: stores they may write to, and possible owners. */
export async function planFormChoices(user: SessionUser) {
  const owners = await listOwners(user)
  return {
    stores: user.stores.map((s) => ({ value: s.id, label: s.name })),
    owners: owners.map((o) => ({ value: o.id, label: o.name })),
  }
}
