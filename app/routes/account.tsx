import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { CsrfInput } from '../components/csrf-input'
import { FieldError } from '../components/field-error'
import { LOCALES } from '../i18n'
import { PasswordChangeSchema } from '../schemas/auth'
import { changePassword } from '../services/users.server'
import { NoticeQuerySchema } from '../schemas/fields'
import { createSession, requireUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { passwordProblem } from '../utils/password.server'
import { readsAllGroupStores } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUser(request)
  return {
    profile: {
      name: user.name,
      email: user.email,
      role: user.role,
      allStores: readsAllGroupStores(user.role),
      stores: user.stores.map((s) => s.name),
    },
    passwordChanged: parseQuery(request, NoticeQuerySchema, user).notice === 'password',
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUser(request)
  const parsed = PasswordChangeSchema.safeParse(formToObject(await readMutationForm(request)))
  if (!parsed.success) return data({ errors: toFieldErrors(parsed.error) }, { status: 400 })
  const { currentPassword, newPassword } = parsed.data
  const problem = await passwordProblem(newPassword, { email: user.email, name: user.name })
  if (problem) return data({ errors: { newPassword: problem } }, { status: 400 })
  const outcome = await changePassword(user, currentPassword, newPassword, clientIp(request))
  if (outcome === 'throttled') return data({ errors: { currentPassword: 'login.throttled' } }, { status: 429 })
  if (outcome === 'wrong-password') return data({ errors: { currentPassword: 'account.wrongPassword' } }, { status: 400 })
  // changePassword ended every session of the user, this browser's too: give it a fresh one
  const cookie = await createSession(request, user.id)
  return redirect('/account?notice=password', { headers: { 'Set-Cookie': cookie } })
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'account.title')

const PASSWORD_FIELDS = [
  ['currentPassword', 'account.currentPassword', 'current-password'],
  ['newPassword', 'account.newPassword', 'new-password'],
  ['confirmPassword', 'account.confirmPassword', 'new-password'],
] as const

function PasswordForm() {
  const { t } = useI18n()
  const result = useActionData<typeof action>()
  const errors: Record<string, string> = result?.errors ?? {}
  const busy = useNavigation().state === 'submitting'
  return (
    <Form method="post" noValidate className="card" aria-labelledby="password-title">
      <h2 id="password-title">{t('account.password')}</h2>
      <CsrfInput />
      {PASSWORD_FIELDS.map(([name, label, autoComplete]) => {
        const described = [errors[name] ? `${name}-error` : '', name === 'newPassword' ? 'newPassword-hint' : '']
          .filter(Boolean)
          .join(' ')
        return (
          <div className="field" key={name}>
            <label htmlFor={name}>{t(label)}</label>
            <input
              id={name}
              name={name}
              type="password"
              autoComplete={autoComplete}
              required
              aria-invalid={errors[name] ? true : undefined}
              aria-describedby={described || undefined}
            />
            {name === 'newPassword' ? (
              <span className="hint" id="newPassword-hint">
                {t('account.passwordHint')}
              </span>
            ) : null}
            <FieldError id={`${name}-error`} message={errors[name]} />
          </div>
        )
      })}
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {t('account.save')}
      </button>
    </Form>
  )
}

export default function Account() {
  const { t, locale } = useI18n()
  const { profile, passwordChanged } = useLoaderData<typeof loader>()
  return (
    <>
      <div className="page-head">
        <h1>{t('account.title')}</h1>
      </div>
      {passwordChanged ? (
        <div className="alert alert-success" role="status">
          {t('account.passwordChanged')}
        </div>
      ) : null}
      <div className="grid grid-2">
        <section className="card" aria-labelledby="profile-title">
          <h2 id="profile-title">{t('account.profile')}</h2>
          <dl className="props">
            <dt>{t('users.name')}</dt>
            <dd>{profile.name}</dd>
            <dt>{t('users.email')}</dt>
            <dd>{profile.email}</dd>
            <dt>{t('users.role')}</dt>
            <dd>{t(`role.${profile.role}`)}</dd>
            <dt>{t('users.stores')}</dt>
            <dd>{profile.allStores ? t('users.allStores') : profile.stores.join('、') || '—'}</dd>
          </dl>
        </section>
        <Form method="post" action="/settings/language" className="card" aria-labelledby="language-title">
          <h2 id="language-title">{t('account.language')}</h2>
          <CsrfInput />
          <input type="hidden" name="redirectTo" value="/account" />
          <div className="field">
            <label htmlFor="locale">{t('lang.label')}</label>
            <select id="locale" name="locale" defaultValue={locale} aria-describedby="locale-hint">
              {LOCALES.map((l) => (
                <option key={l} value={l} lang={l}>
                  {t(`lang.${l}`)}
                </option>
              ))}
            </select>
            <span className="hint" id="locale-hint">
              {t('account.languageHint')}
            </span>
          </div>
          <button type="submit" className="btn">
            {t('lang.switch')}
          </button>
        </Form>
      </div>
      <PasswordForm />
    </>
  )
}
