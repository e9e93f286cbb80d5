import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { CsrfInput } from '../components/csrf-input'
import { FieldError } from '../components/field-error'
import { useClock } from '../components/lead-fields'
import { DeskQuerySchema, LeftAtSchema } from '../schemas/lead'
import { deskStores, setVisitLeftAt, trafficSheet } from '../services/front-desk.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { utcToZonedLocal, zonedDay } from '../utils/zoned-time'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:read')
  const query = parseQuery(request, DeskQuerySchema, user)
  const stores = deskStores(user, 'read')
  const writable = deskStores(user, 'write')
  const store = stores.find((s) => s.id === query.store) ?? writable[0] ?? stores[0]
  if (!store) return { sheet: null, stores: [], canWrite: false, today: '', nowLocal: '' }
  const today = zonedDay(new Date(), store.timeZone)
  const sheet = await trafficSheet(user, store.id, query.day ?? today)
  return {
    sheet,
    stores: stores.map((s) => ({ id: s.id, name: s.name })),
    canWrite: roleCan(user.role, 'lead:write') && canWriteStore(user, store.id),
    today,
    nowLocal: utcToZonedLocal(new Date(), store.timeZone),
  }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:write')
  const form = await readMutationForm(request)
  // the sheet to go back to, read before anything is saved
  const sheet = parseQuery(request, DeskQuerySchema, user)
  const parsed = LeftAtSchema.safeParse(formToObject(form))
  const visitId = String(form.get('visitId') ?? '')
  if (!parsed.success) return data({ visitId, errors: toFieldErrors(parsed.error) }, { status: 400 })
  const result = await setVisitLeftAt(user, parsed.data.visitId, parsed.data.leftAt!, clientIp(request))
  if (!result.ok) return data({ visitId, errors: { [result.field]: result.message } }, { status: 400 })
  // back to the sheet the visitor was on: its store and day, nothing of the last notice
  const back = new URLSearchParams()
  if (sheet.store) back.set('store', sheet.store)
  if (sheet.day) back.set('day', sheet.day)
  back.set('notice', 'left')
  return redirect(`/desk?${back}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'desk.title')

export default function Desk() {
  const d = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [params] = useSearchParams()
  const { t } = useI18n()
  const clock = useClock()
  const notice = params.get('notice')
  if (!d.sheet) {
    return (
      <div className="desk">
        <h1>{t('desk.title')}</h1>
        <p className="card empty">{t('leads.emptyFirstReadOnly')}</p>
      </div>
    )
  }
  const s = d.sheet
  const tz = s.store.timeZone
  const time = (at: Date | string) => clock(at, tz)
  const storeQuery = `store=${s.store.id}`
  return (
    <div className="desk">
      <div className="page-head">
        <div>
          <h1>{t('desk.title')}</h1>
          <p className="muted small" style={{ margin: 0 }}>
            {s.store.name} · {s.day === d.today ? `${t('desk.today')} ` : ''}
            {s.day}
          </p>
        </div>
      </div>
      {notice === 'walk-in' ? (
        <div className="alert alert-success" role="status">
          {params.get('type')
            ? t('desk.savedWalkIn', { type: t(params.get('type') === 'return' ? 'leads.visitType.return' : 'leads.visitType.first') })
            : t('desk.savedWalkInPlain')}{' '}
          {params.get('lead') ? <Link to={`/leads/${params.get('lead')}`}>{t('desk.openLead')}</Link> : null}
        </div>
      ) : null}
      {notice === 'call' ? (
        <div className="alert alert-success" role="status">
          {t('desk.savedCall')} {params.get('lead') ? <Link to={`/leads/${params.get('lead')}`}>{t('desk.openLead')}</Link> : null}
        </div>
      ) : null}
      {notice === 'left' ? (
        <div className="alert alert-success" role="status">
          {t('desk.savedLeft')}
        </div>
      ) : null}
      {d.canWrite ? (
        <nav className="desk-actions" aria-label={t('desk.nav')}>
          <Link to={`/desk/walk-in?${storeQuery}`} className="btn btn-primary btn-lg">
            {t('desk.walkIn')}
          </Link>
          <Link to={`/desk/call?${storeQuery}`} className="btn btn-primary btn-lg">
            {t('desk.call')}
          </Link>
          <Link to={`/leads?store=${s.store.id}`} className="btn btn-lg">
            {t('desk.allLeads')}
          </Link>
        </nav>
      ) : (
        <p className="muted small">{t('desk.readOnly')}</p>
      )}
      <Form method="get" key={params.toString()} className="desk-day">
        {d.stores.length > 1 ? (
          <div className="field">
            <label htmlFor="desk-store">{t('common.store')}</label>
            <select id="desk-store" name="store" defaultValue={s.store.id}>
              {d.stores.map((st) => (
                <option key={st.id} value={st.id}>
                  {st.name}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <input type="hidden" name="store" value={s.store.id} />
        )}
        <div className="field">
          <label htmlFor="desk-day">{t('desk.day')}</label>
          <input id="desk-day" name="day" type="date" defaultValue={s.day} max={d.today} />
        </div>
        <button type="submit" className="btn btn-lg">
          {t('desk.show')}
        </button>
      </Form>

      <dl className="tiles" aria-label={t('desk.title')}>
        {(
          [
            ['batches', s.counts.batches],
            ['people', s.counts.people],
            ['first', s.counts.first],
            ['return', s.counts.return],
            ['testDrives', s.counts.testDrives],
            ['calls', s.counts.calls],
          ] as const
        ).map(([key, value]) => (
          <div className="stat" key={key}>
            <dt>{t(`desk.count.${key}`)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>

      <section className="card" aria-labelledby="by-channel">
        <h2 id="by-channel">{t('desk.byChannel')}</h2>
        {s.byChannel.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('leads.field.channel')}</th>
                <th scope="col" className="num">
                  {t('desk.walkIns')}
                </th>
                <th scope="col" className="num">
                  {t('desk.calls')}
                </th>
              </tr>
            </thead>
            <tbody>
              {s.byChannel.map((c) => (
                <tr key={c.channel}>
                  <td>{t(`leads.channel.${c.channel}`)}</td>
                  <td className="num">{c.walkIns}</td>
                  <td className="num">{c.calls}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">{t('desk.noChannels')}</p>
        )}
      </section>

      <section aria-labelledby="walk-ins">
        <h2 id="walk-ins">
          {t('desk.walkIns')} <span className="muted small">({s.counts.batches})</span>
        </h2>
        {s.walkIns.length ? (
          <ul className="entries">
            {s.walkIns.map((w) => (
              <li key={w.id} className="entry">
                <div className="entry-head">
                  <strong className="entry-time">{time(w.arrivedAt)}</strong>
                  {w.leadId ? <Link to={`/leads/${w.leadId}`}>{w.name || t('leads.noName')}</Link> : <span>{w.name || t('leads.noName')}</span>}
                  <span className={`badge ${w.visitType === 'return' ? 'badge-approved' : 'badge-submitted'}`}>{t(`leads.visitType.${w.visitType === 'return' ? 'return' : 'first'}`)}</span>
                </div>
                <div className="small muted">
                  {[
                    w.phone || t('leads.noPhone'),
                    t('desk.people', { count: w.partySize }),
                    w.channel ? t(`leads.channel.${w.channel}`) : null,
                    w.campaignName,
                    w.modelOfInterest,
                    w.consultantName ? t('desk.consultant', { name: w.consultantName }) : null,
                    w.testDrive ? t('desk.field.testDrive') : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
                {w.leftAt ? (
                  <div className="small">
                    {t('desk.leftAt')} {time(w.leftAt)}
                  </div>
                ) : d.canWrite ? (
                  <Form method="post" className="entry-left">
                    <CsrfInput />
                    <input type="hidden" name="visitId" value={w.id} />
                    <label htmlFor={`left-${w.id}`} className="small">
                      {t('desk.leftAt')}
                    </label>
                    <input
                      id={`left-${w.id}`}
                      name="leftAt"
                      type="datetime-local"
                      defaultValue={d.nowLocal}
                      aria-invalid={actionData?.visitId === w.id ? true : undefined}
                      aria-describedby={actionData?.visitId === w.id ? `left-${w.id}-error` : undefined}
                    />
                    <button type="submit" className="btn">
                      {t('desk.setLeft')}
                    </button>
                    {actionData?.visitId === w.id ? (
                      <FieldError id={`left-${w.id}-error`} message={Object.values(actionData.errors)[0]} />
                    ) : null}
                  </Form>
                ) : (
                  <div className="small muted">{t('desk.stillHere')}</div>
                )}
              </li>
            ))}
          </ul>
        ) : (
          <p className="card empty">{t('desk.noWalkIns')}</p>
        )}
      </section>

      <section aria-labelledby="calls">
        <h2 id="calls">
          {t('desk.calls')} <span className="muted small">({s.counts.calls})</span>
        </h2>
        {s.calls.length ? (
          <ul className="entries">
            {s.calls.map((c) => (
              <li key={c.id} className="entry">
                <div className="entry-head">
                  <strong className="entry-time">{time(c.at)}</strong>
                  {c.leadId ? <Link to={`/leads/${c.leadId}`}>{c.name || t('leads.noName')}</Link> : <span>{c.name || t('leads.noName')}</span>}
                </div>
                <div className="small muted">
                  {[
                    c.phone,
                    t(`leads.channel.${c.channel}`),
                    c.campaignName,
                    c.modelOfInterest,
                    c.durationMinutes != null ? t('desk.minutes', { count: c.durationMinutes }) : null,
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                </div>
                {c.note ? <div className="small pre">{c.note}</div> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="card empty">{t('desk.noCalls')}</p>
        )}
      </section>
    </div>
  )
}
