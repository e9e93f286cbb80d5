import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Link, useActionData, useLoaderData } from '@remix-run/react'
import { SiteForm, type SiteFormValues } from '../components/site-form'
import type { MessageKey } from '../i18n'
import { SiteSchema } from '../schemas/site'
import { getSite, siteActivity, updateSite } from '../services/sites.server'
import { ownOrigin } from '../services/web-intake.server'
import { NoticeQuerySchema } from '../schemas/fields'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'site:manage')
  const site = await getSite(user, params.siteId!)
  const activity = await siteActivity(user, site.id)
  const { notice } = parseQuery(request, NoticeQuerySchema, user)
  return {
    site: { id: site.id, name: site.name, siteKey: site.siteKey, origins: site.origins, active: site.active, storeName: site.storeName, timeZone: site.storeTimeZone },
    activity,
    base: ownOrigin(request),
    notice: notice === 'created' ? notice : null,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'site:manage')
  await getSite(user, params.siteId!)
  const raw = formToObject(await readMutationForm(request))
  const values: SiteFormValues = { name: String(raw.name ?? ''), origins: String(raw.origins ?? ''), active: raw.active === 'on' }
  const parsed = SiteSchema.omit({ storeId: true }).safeParse(raw)
  if (!parsed.success) return data({ values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  await updateSite(user, params.siteId!, parsed.data, clientIp(request))
  return redirect('/admin/sites?notice=updated')
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'sites.edit')

/** The tag to paste, and the two ways to put the lead form on the site. */
function embedCode(base: string, siteKey: string) {
  return {
    snippet: `<script async src="${base}/rs.js" data-site="${siteKey}"></script>`,
    iframe: `<iframe data-roadshow-frame src="${base}/f/${siteKey}" title="Lead form" loading="lazy" style="width:100%;max-width:480px;height:600px;border:0"></iframe>`,
    form: [
      `<form data-roadshow-form method="post" action="${base}/api/leads">`,
      `  <input type="hidden" name="siteKey" value="${siteKey}">`,
      `  <input name="name" required> <input name="phone" type="tel" required> <input name="model">`,
      `  <textarea name="message"></textarea>`,
      `  <label><input type="checkbox" name="consent" required> …</label>`,
      `  <button>…</button> <p data-roadshow-status></p>`,
      `</form>`,
    ].join('\n'),
  }
}

function path(url: string | null) {
  if (!url) return ''
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return url
  }
}

export default function SitePage() {
  const { site, activity, base, notice } = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const { t, num, moment } = useI18n()
  const code = embedCode(base, site.siteKey)
  const values: SiteFormValues = a?.values ?? { name: site.name, origins: site.origins.join('\n'), active: site.active }
  return (
    <>
      <div className="breadcrumb">
        <Link to="/admin/sites">{t('sites.title')}</Link> / {site.name}
      </div>
      <div className="page-head">
        <h1>{site.name}</h1>
        <span className={`badge ${site.active ? 'badge-approved' : 'badge-cancelled'}`}>{t(site.active ? 'sites.statusActive' : 'sites.statusInactive')}</span>
      </div>
      {notice ? (
        <div className="alert alert-success" role="status">
          {t('sites.created')}
        </div>
      ) : null}
      <dl className="props card">
        <dt>{t('sites.store')}</dt>
        <dd>{site.storeName}</dd>
        <dt>{t('sites.siteKey')}</dt>
        <dd>
          <code>{site.siteKey}</code>
        </dd>
      </dl>

      <section className="card" aria-labelledby="snippet-title">
        <h2 id="snippet-title">{t('sites.snippet')}</h2>
        <p className="muted small">{t('sites.snippetHint')}</p>
        <pre className="code" aria-label={t('sites.snippet')}>
          {code.snippet}
        </pre>
        <h3>{t('sites.formEmbed')}</h3>
        <p className="small">
          <strong>{t('sites.formIframe')}</strong> — <span className="muted">{t('sites.formIframeHint')}</span>{' '}
          <a href={`/f/${site.siteKey}`} target="_blank" rel="noreferrer">
            {t('sites.formOpen')}
          </a>
        </p>
        <pre className="code" aria-label={t('sites.formIframe')}>
          {code.iframe}
        </pre>
        <p className="small">
          <strong>{t('sites.formOwn')}</strong> — <span className="muted">{t('sites.formOwnHint')}</span>
        </p>
        <pre className="code" aria-label={t('sites.formOwn')}>
          {code.form}
        </pre>
      </section>

      <section className="card" aria-labelledby="activity-title">
        <h2 id="activity-title">{t('sites.activity')}</h2>
        <dl className="grid grid-4">
          <div className="stat">
            <dt>{t('sites.pageViews')}</dt>
            <dd data-testid="total-events">{num(activity.totals.events)}</dd>
          </div>
          <div className="stat">
            <dt>{t('sites.events24h')}</dt>
            <dd>{num(activity.totals.events24h)}</dd>
          </div>
          <div className="stat">
            <dt>{t('sites.visitors')}</dt>
            <dd>{num(activity.totals.visitors)}</dd>
          </div>
          <div className="stat">
            <dt>{t('sites.leads')}</dt>
            <dd>{num(activity.totals.leads)}</dd>
          </div>
        </dl>
        {!activity.pageViews.length && !activity.touches.length ? (
          <p className="empty">{t('sites.noActivity')}</p>
        ) : (
          <>
            <h3 id="touches-title">{t('sites.recentTouches')}</h3>
            <div className="table-wrap" tabIndex={0}>
              <table aria-labelledby="touches-title">
                <thead>
                  <tr>
                    <th scope="col">{t('sites.col.time')}</th>
                    <th scope="col">{t('sites.col.kind')}</th>
                    <th scope="col">{t('sites.col.channel')}</th>
                    <th scope="col">{t('sites.col.page')}</th>
                    <th scope="col">{t('sites.col.visitor')}</th>
                    <th scope="col">{t('sites.col.lead')}</th>
                  </tr>
                </thead>
                <tbody>
                  {activity.touches.map((r) => (
                    <tr key={r.id}>
                      <td className="nowrap">{moment(r.at, site.timeZone)}</td>
                      <td>{t((r.kind === 'web_visit' || r.kind === 'web_form' ? `sites.kind.${r.kind}` : 'sites.kind.other') as MessageKey)}</td>
                      <td>{t(`sites.channel.${r.channel}` as MessageKey)}</td>
                      <td className="small">
                        {path(r.url)}
                        <Tagging r={r} />
                      </td>
                      <td className="small">
                        <code>{r.visitorKey?.slice(0, 8) ?? '—'}</code>
                      </td>
                      <td>{r.leadId ? r.leadName || '—' : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h3 id="views-title" style={{ marginTop: 'var(--s4)' }}>
              {t('sites.recentPageViews')}
            </h3>
            <div className="table-wrap" tabIndex={0}>
              <table aria-labelledby="views-title">
                <thead>
                  <tr>
                    <th scope="col">{t('sites.col.time')}</th>
                    <th scope="col">{t('sites.col.page')}</th>
                    <th scope="col">{t('sites.col.referrer')}</th>
                    <th scope="col">{t('sites.col.visitor')}</th>
                  </tr>
                </thead>
                <tbody>
                  {activity.pageViews.map((r) => (
                    <tr key={r.id}>
                      <td className="nowrap">{moment(r.at, site.timeZone)}</td>
                      <td className="small">
                        {path(r.url)}
                        <Tagging r={r} />
                      </td>
                      <td className="small">{r.referrer ?? '—'}</td>
                      <td className="small">
                        <code>{r.visitorKey.slice(0, 8)}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>

      <h2>{t('common.edit')}</h2>
      <SiteForm values={values} errors={a?.errors ?? {}} submitLabel={t('common.save')} />
    </>
  )
}

/** A visit's tracking parameters (source / medium / campaign), folded away: for whoever checks how an ad was tagged. */
function Tagging({ r }: { r: { utmSource: string | null; utmMedium: string | null; utmCampaign: string | null } }) {
  const { t } = useI18n()
  if (![r.utmSource, r.utmMedium, r.utmCampaign].some(Boolean)) return null
  return (
    <details className="break-all">
      <summary>{t('sites.col.utm')}</summary>
      {[r.utmSource ?? '—', r.utmMedium ?? '—', r.utmCampaign ?? '—'].join(' / ')}
    </details>
  )
}
