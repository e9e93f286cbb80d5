import type { HeadersFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { useState, type FormEvent } from 'react'
import type { MessageKey } from '../i18n'
import { LeadFormPageQuerySchema } from '../schemas/web-lead'
import { findActiveSite } from '../services/sites.server'
import { notFound } from '../utils/http.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

/**
 * The embeddable lead form (SPEC §3): a small page meant for an <iframe> on the store's
 * website (`?v=` carries the snippet's visitor id, `page`/`ref` the page around it). It
 * posts to /api/leads: with JavaScript by fetch, so errors show beside the fields; without,
 * as a plain form, and /api/leads redirects back here with `sent` or `error`.
 */
export const handle = { bare: true }

const ID = /^[A-Za-z0-9_-]{8,64}$/
/** the fields of WebLeadSchema a person fills in (not imported: the page stays free of zod for phones on slow networks) */
const TEXT_FIELDS = ['name', 'phone', 'model'] as const
/** what a no-script post that failed is told, per field (the redirect carries field names only) */
const FALLBACK_ERRORS: Record<string, MessageKey> = {
  name: 'validation.required',
  phone: 'sites.form.phoneInvalid',
  model: 'validation.invalid',
  message: 'validation.invalid',
  consent: 'sites.form.consentRequired',
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const siteKey = params.siteKey ?? ''
  const site = ID.test(siteKey) ? await findActiveSite(siteKey) : null
  if (!site) notFound()
  const q = parseQuery(request, LeadFormPageQuerySchema)
  const failed = q.error.split(',').filter((f) => f in FALLBACK_ERRORS)
  return data(
    {
      siteKey: site.siteKey,
      storeName: site.storeName,
      visitorId: q.v,
      page: q.page,
      referrer: q.ref,
      sent: q.sent === '1',
      failed,
    },
    {
      headers: {
        // framed by the site's own pages only (entry.server then leaves out X-Frame-Options)
        'Content-Security-Policy': `frame-ancestors 'self' ${site.origins.join(' ')}`,
        'Cache-Control': 'no-store',
      },
    },
  )
}

export const headers: HeadersFunction = ({ loaderHeaders }) => loaderHeaders

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sites.form.title')

type State = { status: 'idle' | 'sending' | 'sent' | 'failed'; message?: string; errors: Record<string, string> }

export default function LeadFormPage() {
  const d = useLoaderData<typeof loader>()
  const { t } = useI18n()
  const [state, setState] = useState<State>(() =>
    d.sent
      ? { status: 'sent', errors: {} }
      : d.failed.length
        ? { status: 'failed', message: t('sites.form.fixErrors'), errors: Object.fromEntries(d.failed.map((f) => [f, t(FALLBACK_ERRORS[f]!)])) }
        : { status: 'idle', errors: {} },
  )

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const body = new URLSearchParams()
    new FormData(event.currentTarget).forEach((value, key) => typeof value === 'string' && body.append(key, value))
    setState({ status: 'sending', errors: {} })
    try {
      const res = await fetch('/api/leads', { method: 'POST', body, headers: { Accept: 'application/json' } })
      const answer = (await res.json().catch(() => ({}))) as { ok?: boolean; message?: string; errors?: Record<string, string> }
      if (res.ok) setState({ status: 'sent', message: answer.message, errors: {} })
      else setState({ status: 'failed', message: answer.message ?? t('sites.form.failed'), errors: answer.errors ?? {} })
    } catch {
      setState({ status: 'failed', message: t('sites.form.failed'), errors: {} })
    }
  }

  const err = (name: string) =>
    state.errors[name]
      ? { 'aria-invalid': true as const, 'aria-describedby': `${name}-error` }
      : {}
  const fieldError = (name: string) =>
    state.errors[name] ? (
      <span className="error" id={`${name}-error`}>
        {state.errors[name]}
      </span>
    ) : null

  return (
    <main className="lead-form-page">
      <h1>{t('sites.form.title')}</h1>
      {state.status === 'sent' ? (
        <div className="alert alert-success" role="status">
          {state.message ?? t('sites.form.thanks')}
        </div>
      ) : (
        <form method="post" action="/api/leads" onSubmit={submit} noValidate>
          <p className="muted">{t('sites.form.intro', { store: d.storeName })}</p>
          {state.status === 'failed' && state.message ? (
            <div className="alert alert-danger" role="alert">
              {state.message}
            </div>
          ) : null}
          <input type="hidden" name="siteKey" value={d.siteKey} />
          <input type="hidden" name="visitorId" value={d.visitorId} />
          <input type="hidden" name="page" value={d.page} />
          <input type="hidden" name="referrer" value={d.referrer} />
          {TEXT_FIELDS.map((name) => (
            <div className="field" key={name}>
              <label htmlFor={`lf-${name}`}>
                {t(`sites.form.${name}` as MessageKey)}
                {name === 'model' ? <span className="muted small"> ({t('common.optional')})</span> : null}
              </label>
              <input
                id={`lf-${name}`}
                name={name}
                type={name === 'phone' ? 'tel' : 'text'}
                inputMode={name === 'phone' ? 'tel' : undefined}
                autoComplete={name === 'phone' ? 'tel' : name === 'name' ? 'name' : 'off'}
                maxLength={name === 'phone' ? 20 : name === 'name' ? 50 : 100}
                required={name !== 'model'}
                {...err(name)}
              />
              {fieldError(name)}
            </div>
          ))}
          <div className="field">
            <label htmlFor="lf-message">
              {t('sites.form.message')}
              <span className="muted small"> ({t('common.optional')})</span>
            </label>
            <textarea id="lf-message" name="message" rows={3} maxLength={500} {...err('message')} />
            {fieldError('message')}
          </div>
          <div className="field">
            <label className="check">
              <input type="checkbox" name="consent" value="on" required {...err('consent')} />
              <span>{t('sites.form.consent', { store: d.storeName })}</span>
            </label>
            {fieldError('consent')}
          </div>
          {/* people never see this field; scripts that fill every field do */}
          <div className="visually-hidden" aria-hidden="true">
            <label htmlFor="lf-website">Website</label>
            <input id="lf-website" name="website" type="text" tabIndex={-1} autoComplete="off" />
          </div>
          <button type="submit" className="btn btn-primary btn-block" disabled={state.status === 'sending'}>
            {state.status === 'sending' ? t('sites.form.sending') : t('sites.form.submit')}
          </button>
        </form>
      )}
    </main>
  )
}
