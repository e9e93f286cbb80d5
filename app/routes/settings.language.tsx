import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { z } from 'zod'
import { LOCALES } from '../i18n'
import { setUserLocale } from '../services/users.server'
import { getUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { safeRedirectPath } from '../utils/http.server'
import { localeCookie } from '../utils/i18n.server'
import { badFields } from '../utils/input.server'

const LanguageSchema = z.object({ locale: z.enum(LOCALES, { error: 'validation.choice' }), redirectTo: z.string().optional() })

export async function loader() {
  return redirect('/')
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readMutationForm(request)
  const parsed = LanguageSchema.safeParse(Object.fromEntries(form))
  if (!parsed.success) badFields(request, parsed.error)
  const user = await getUser(request)
  if (user) await setUserLocale(user.id, parsed.data.locale)
  return redirect(safeRedirectPath(parsed.data.redirectTo), {
    headers: { 'Set-Cookie': localeCookie(request, parsed.data.locale) },
  })
}
