import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { CsrfInput } from '../components/csrf-input'
import { FieldError } from '../components/field-error'
import { LoginSchema } from '../schemas/auth'
import { openDemoAccounts } from '../services/demo.server'
import { recordLogin } from '../services/users.server'
import { beginLoginAttempt, createSession, getUser, normalizeEmail, verifyLogin } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp, safeRedirectPath } from '../utils/http.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  if (await getUser(request)) throw redirect('/')
  // the demo's accounts, named only while they still open with the demo password
  return { demo: await openDemoAccounts() }
}

export async function action({ request }: ActionFunctionArgs) {
  const form = await readMutationForm(request)
  const parsed = LoginSchema.safeParse(formToObject(form))
  if (!parsed.success) return data({ errors: toFieldErrors(parsed.error) }, { status: 400 })
  const { email, password, redirectTo } = parsed.data
  const ip = clientIp(request)
  const attempt = await beginLoginAttempt(normalizeEmail(email), ip)
  if (attempt === null) return data({ errors: { _form: 'login.throttled' } }, { status: 429 })
  const userId = await verifyLogin(email, password, attempt)
  if (!userId) return data({ errors: { _form: 'login.invalid' } }, { status: 401 })
  await recordLogin(userId, ip)
  const cookie = await createSession(request, userId)
  return redirect(safeRedirectPath(redirectTo, '/'), { headers: { 'Set-Cookie': cookie } })
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'login.title')

export default function Login() {
  const { t } = useI18n()
  const actionData = useActionData<typeof action>()
  const { demo } = useLoaderData<typeof loader>()
  const errors: Record<string, string> = actionData?.errors ?? {}
  const [params] = useSearchParams()
  const busy = useNavigation().state !== 'idle'
  return (
    <div className="login card">
      <h1>{t('login.title')}</h1>
      <p className="muted">{t('app.tagline')}</p>
      {errors._form ? (
        <div className="alert alert-danger" role="alert">
          {t(errors._form as 'login.invalid')}
        </div>
      ) : null}
      <Form method="post" noValidate>
        <CsrfInput />
        <input type="hidden" name="redirectTo" value={params.get('redirectTo') ?? ''} />
        <div className="field">
          <label htmlFor="email">{t('login.email')}</label>
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={errors.email ? 'email-error' : undefined}
          />
          <FieldError id="email-error" message={errors.email} />
        </div>
        <div className="field">
          <label htmlFor="password">{t('login.password')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={errors.password ? true : undefined}
            aria-describedby={errors.password ? 'password-error' : undefined}
          />
          <FieldError id="password-error" message={errors.password} />
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy} style={{ width: '100%' }}>
          {t('login.submit')}
        </button>
      </Form>
      {demo.accounts.length ? (
        <div className="muted small demo-accounts" data-testid="demo-accounts">
          <p>{t('login.demo', { password: demo.password })}</p>
          <ul>
            {demo.accounts.map((a) => (
              <li key={a.email}>
                <code>{a.email}</code> · {t(`role.${a.role}`)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  )
}
