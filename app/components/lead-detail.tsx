import { Form, Link, useNavigation } from '@remix-run/react'
import { LEAD_GRADES, LOST_REASONS, type LeadStatus } from '../../db/schema/enums'
import type { MessageKey } from '../i18n'
import type { LeadDetail } from '../services/leads.server'
import type { LeadSale } from '../services/matchback.server'
import { splitMessage, type FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'
import { LeadStatusBadge, SelectField, TextAreaField, TextField, type Option } from './lead-fields'
import { FormErrors } from './form-errors'

type Lead = LeadDetail

function FormMessage({ errors }: { errors: FieldErrors }) {
  const { t } = useI18n()
  if (!errors._form) return null
  const [key, vars] = splitMessage(errors._form)
  if (vars.status) vars.status = t(`leads.status.${vars.status as LeadStatus}`)
  return (
    <div className="alert alert-danger" role="alert">
      {t(key as MessageKey, vars)}
    </div>
  )
}

export function LeadSummary({ lead }: { lead: Lead }) {
  const { t, moment } = useI18n()
  const tz = lead.store.timeZone
  return (
    <div className="page-head">
      <div>
        <h1>
          {lead.name || t('leads.noName')} <LeadStatusBadge status={lead.status} />
        </h1>
        <dl className="props small" style={{ marginTop: 8 }}>
          <dt>{t('leads.field.phone')}</dt>
          <dd className="nowrap">{lead.phone || t('leads.noPhone')}</dd>
          <dt>{t('common.store')}</dt>
          <dd>{lead.store.name}</dd>
          <dt>{t('leads.field.grade')}</dt>
          <dd>{lead.grade ? t(`leads.grade.${lead.grade as 'A'}`) : '—'}</dd>
          <dt>{t('leads.field.consultant')}</dt>
          <dd>{lead.consultant?.name ?? '—'}</dd>
          <dt>{t('leads.field.model')}</dt>
          <dd>{lead.modelOfInterest || '—'}</dd>
          <dt>{t('leads.field.city')}</dt>
          <dd>{lead.city || '—'}</dd>
          <dt>{t('leads.field.firstTouch')}</dt>
          <dd>
            {lead.firstChannel ? `${t(`leads.channel.${lead.firstChannel}`)} · ` : ''}
            {moment(lead.firstTouchAt, tz)}
          </dd>
          <dt>{t('leads.field.lastTouch')}</dt>
          <dd>{moment(lead.lastTouchAt, tz)}</dd>
          {lead.opportunity > 1 ? (
            <>
              <dt>{t('matchback.lead.title')}</dt>
              <dd>{t('matchback.lead.current', { number: lead.opportunity })}</dd>
            </>
          ) : null}
          {lead.status === 'lost' && lead.lostReason ? (
            <>
              <dt>{t('leads.field.lostReason')}</dt>
              <dd>
                {t(`leads.lostReason.${lead.lostReason as 'other'}`)}
                {lead.lostToBrand ? ` · ${t('leads.detail.lostTo', { brand: lead.lostToBrand, model: lead.lostToModel ?? '' })}` : ''}
              </dd>
            </>
          ) : null}
          {lead.note ? (
            <>
              <dt>{t('leads.field.note')}</dt>
              <dd className="pre">{lead.note}</dd>
            </>
          ) : null}
        </dl>
      </div>
      <span className="muted small" style={{ marginLeft: 'auto' }}>
        {t('campaign.lastUpdated', { when: moment(lead.updatedAt, lead.store.timeZone) })}
      </span>
    </div>
  )
}

/** The next steps of the lifecycle, each a button, and "lost" with its reason. */
export function LifecyclePanel({ lead, moves, errors, values }: { lead: Lead; moves: LeadStatus[]; errors: FieldErrors; values: Record<string, string> }) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const forward = moves.filter((m) => m !== 'lost')
  const canLose = moves.includes('lost')
  return (
    <section className="card" aria-labelledby="life-h">
      <h2 id="life-h">{t('leads.detail.lifecycle')}</h2>
      <p>
        <LeadStatusBadge status={lead.status} />
      </p>
      <FormMessage errors={errors} />
      {lead.status === 'delivered' ? <p className="muted small">{t('leads.detail.complete')}</p> : null}
      {forward.length ? (
        <Form method="post" className="stack">
          <CsrfInput />
          <input type="hidden" name="intent" value="status" />
          <div className="field">
            <label htmlFor="st-note">{t('leads.field.stepNote')}</label>
            <textarea id="st-note" name="note" rows={2} maxLength={1000} defaultValue={values.to !== 'lost' ? values.note : ''} />
          </div>
          {forward.map((to) => (
            <button key={to} type="submit" name="to" value={to} className="btn btn-lg btn-block" disabled={busy}>
              {lead.status === 'lost' ? t('leads.detail.reopen') : t('leads.detail.moveTo', { status: t(`leads.status.${to}`) })}
            </button>
          ))}
        </Form>
      ) : null}
      {canLose ? (
        <details className="lost-box" open={values.to === 'lost'}>
          <summary>{t('leads.detail.markLost')}</summary>
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="status" />
            <input type="hidden" name="to" value="lost" />
            <SelectField
              name="lostReason"
              label={t('leads.field.lostReason')}
              values={values}
              errors={errors}
              options={LOST_REASONS.map((r) => ({ value: r, label: t(`leads.lostReason.${r}`) }))}
              empty={t('leads.choose')}
            />
            <TextField name="lostToBrand" label={t('leads.field.lostToBrand')} values={values} errors={errors} />
            <TextField name="lostToModel" label={t('leads.field.lostToModel')} values={values} errors={errors} optional />
            <div className="field">
              <label htmlFor="lost-note">{t('leads.field.stepNote')}</label>
              <textarea id="lost-note" name="note" rows={2} maxLength={1000} defaultValue={values.to === 'lost' ? values.note : ''} />
            </div>
            <button type="submit" className="btn btn-danger btn-block" disabled={busy}>
              {t('leads.detail.markLost')}
            </button>
          </Form>
        </details>
      ) : null}
    </section>
  )
}

export function TouchpointTable({ lead }: { lead: Lead }) {
  const { t, moment } = useI18n()
  const tz = lead.store.timeZone
  return (
    <section className="card" aria-labelledby="tp-h">
      <h2 id="tp-h">
        {t('leads.detail.touchpoints')} <span className="muted small">({lead.touchpoints.length})</span>
      </h2>
      <div className="table-wrap" tabIndex={0}>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('common.when')}</th>
              <th scope="col">{t('leads.detail.kind')}</th>
              <th scope="col">{t('leads.field.channel')}</th>
              <th scope="col">{t('leads.field.campaign')}</th>
              <th scope="col">{t('leads.detail.details')}</th>
            </tr>
          </thead>
          <tbody>
            {lead.touchpoints.map((tp) => {
              const d = tp.detail as Record<string, string | number | boolean>
              const facts = [
                typeof d.visitType === 'string' ? t(d.visitType === 'return' ? 'leads.visitType.return' : 'leads.visitType.first') : null,
                typeof d.partySize === 'number' ? t('desk.people', { count: d.partySize }) : null,
                d.testDrive === true ? t('desk.field.testDrive') : null,
                typeof d.durationMinutes === 'number' ? t('desk.minutes', { count: d.durationMinutes }) : null,
                typeof d.note === 'string' ? d.note : null,
                typeof d.url === 'string' ? d.url : null,
              ].filter(Boolean)
              const utm = [tp.utmSource, tp.utmMedium, tp.utmCampaign, tp.utmContent].filter(Boolean)
              return (
                <tr key={tp.id}>
                  <td className="nowrap small">{moment(tp.at, tz)}</td>
                  <td>{t(`leads.kind.${tp.kind}`)}</td>
                  <td>{t(`leads.channel.${tp.channel}`)}</td>
                  <td>{tp.campaignId && tp.campaignName ? <Link to={`/campaigns/${tp.campaignId}`}>{tp.campaignName}</Link> : '—'}</td>
                  <td className="small">
                    {facts.length ? facts.join(' · ') : utm.length ? null : '—'}
                    {/* the address's tracking parameters, for whoever checks how an ad was tagged */}
                    {utm.length ? (
                      <details className="break-all">
                        <summary>{t('leads.detail.utm')}</summary>
                        {utm.join(' / ')}
                      </details>
                    ) : null}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
    </section>
  )
}

export function VisitTable({ lead }: { lead: Lead }) {
  const { t, moment } = useI18n()
  const tz = lead.store.timeZone
  return (
    <section className="card" aria-labelledby="visits-h">
      <h2 id="visits-h">
        {t('leads.detail.visits')} <span className="muted small">({lead.visits.length})</span>
      </h2>
      {lead.visits.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('leads.detail.arrived')}</th>
                <th scope="col">{t('leads.detail.left')}</th>
                <th scope="col">{t('desk.field.visitType')}</th>
                <th scope="col" className="num">
                  {t('leads.detail.party')}
                </th>
                <th scope="col">{t('leads.field.consultant')}</th>
                <th scope="col">{t('leads.detail.testDrive')}</th>
              </tr>
            </thead>
            <tbody>
              {lead.visits.map((v) => (
                <tr key={v.id}>
                  <td className="nowrap small">{moment(v.arrivedAt, tz)}</td>
                  <td className="nowrap small">{v.leftAt ? moment(v.leftAt, tz) : t('desk.stillHere')}</td>
                  <td>{t(v.visitType === 'return' ? 'leads.visitType.return' : 'leads.visitType.first')}</td>
                  <td className="num">{v.partySize}</td>
                  <td>{v.consultantName ?? '—'}</td>
                  <td>{v.testDrive ? t('common.yes') : t('common.no')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">{t('leads.detail.visitsEmpty')}</p>
      )}
    </section>
  )
}

const EVENT_LABEL: Record<string, MessageKey> = {
  created: 'leads.event.created',
  touch: 'leads.event.touch',
  status: 'leads.event.status',
  merged: 'leads.event.merged',
  opportunity: 'matchback.event.opportunity',
}

export function HistoryList({ lead }: { lead: Lead }) {
  const { t, moment } = useI18n()
  return (
    <section className="card" aria-labelledby="hist-h">
      <h2 id="hist-h">{t('leads.detail.history')}</h2>
      {lead.events.length ? (
        <ol className="history">
          {lead.events.map((e) => (
            <li key={e.id}>
              <div>
                {EVENT_LABEL[e.type] ? t(EVENT_LABEL[e.type]!) : e.type}
                {e.type === 'status' && e.fromStatus && e.toStatus ? (
                  <>
                    {' '}
                    <LeadStatusBadge status={e.fromStatus} /> → <LeadStatusBadge status={e.toStatus} />
                  </>
                ) : null}
                {e.type !== 'status' && e.raw.kind ? <span className="muted small"> · {t(`leads.kind.${e.raw.kind as 'manual'}`)}</span> : null}
                {e.raw.channel ? <span className="muted small"> · {t(`leads.channel.${e.raw.channel as 'direct'}`)}</span> : null}
              </div>
              {e.raw.lostReason ? (
                <div className="small">
                  {t('leads.detail.lostInfo', { reason: t(`leads.lostReason.${e.raw.lostReason as 'other'}`) })}
                  {e.raw.lostToBrand ? ` · ${t('leads.detail.lostTo', { brand: e.raw.lostToBrand, model: e.raw.lostToModel ?? '' })}` : ''}
                </div>
              ) : null}
              <div className="small muted">
                {e.userName ?? '—'} · <time dateTime={new Date(e.at).toISOString()}>{moment(e.at, lead.store.timeZone)}</time>
              </div>
              {e.note ? <p className="small pre" style={{ margin: '4px 0 0' }}>{e.note}</p> : null}
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">{t('leads.detail.historyEmpty')}</p>
      )}
    </section>
  )
}

export function EditLeadForm({
  lead,
  consultants,
  values,
  errors,
  stale,
}: {
  lead: Lead
  consultants: Option[]
  values?: Record<string, string>
  errors: FieldErrors
  stale: number | null | undefined
}) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const shown = values ?? {
    name: lead.name,
    city: lead.city,
    modelOfInterest: lead.modelOfInterest,
    grade: lead.grade ?? '',
    consultantId: lead.consultant?.id ?? '',
    note: lead.note,
  }
  return (
    <section className="card" aria-labelledby="edit-h" id="edit">
      <h2 id="edit-h">{t('leads.detail.edit')}</h2>
      {stale ? (
        <div className="alert alert-warning" role="alert">
          {t('leads.detail.stale', { version: stale })}
        </div>
      ) : null}
      <FormErrors errors={errors} />
      <Form method="post" noValidate>
        <CsrfInput />
        <input type="hidden" name="intent" value="edit" />
        {/* after a stale save the form carries the latest version, so that saving again is deliberate */}
        <input type="hidden" name="version" value={stale ?? lead.version} />
        <div className="grid grid-2">
          <TextField name="name" label={t('leads.field.name')} values={shown} errors={errors} />
          <TextField name="modelOfInterest" label={t('leads.field.model')} values={shown} errors={errors} />
          <TextField name="city" label={t('leads.field.city')} values={shown} errors={errors} />
          <SelectField
            name="grade"
            label={t('leads.field.grade')}
            values={shown}
            errors={errors}
            options={LEAD_GRADES.map((g) => ({ value: g, label: t(`leads.grade.${g}`) }))}
            empty="—"
          />
          <SelectField name="consultantId" label={t('leads.field.consultant')} values={shown} errors={errors} options={consultants} empty={t('desk.unassigned')} />
        </div>
        <TextAreaField name="note" label={t('leads.field.note')} values={shown} errors={errors} />
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {t('common.save')}
        </button>
      </Form>
    </section>
  )
}

type MergeState = {
  q: string
  searched: boolean
  candidates: Array<{ id: string; name: string; phone: string; status: LeadStatus; touches: number; visits: number }>
  target: { id: string; name: string; phone: string; status: LeadStatus } | null
}

export function MergePanel({ lead, merge, errors }: { lead: Lead; merge: MergeState; errors: FieldErrors }) {
  const { t } = useI18n()
  return (
    <div id="merge">
      <h3>{t('leads.detail.merge')}</h3>
      <p className="muted small">{t('leads.detail.mergeHint')}</p>
      <FormMessage errors={errors} />
      <Form method="get" className="input-row" role="search" action={`/leads/${lead.id}#merge`}>
        <label htmlFor="merge-q" className="visually-hidden">
          {t('leads.detail.mergeSearch')}
        </label>
        <input id="merge-q" name="mergeQ" type="search" maxLength={60} defaultValue={merge.q} placeholder={t('leads.detail.mergeSearch')} />
        <button type="submit" className="btn">
          {t('leads.detail.mergeFind')}
        </button>
      </Form>
      {merge.searched && !merge.candidates.length ? <p className="muted small">{t('leads.detail.mergeNone')}</p> : null}
      {merge.candidates.length ? (
        <ul className="entries">
          {merge.candidates.map((c) => (
            <li key={c.id} className="entry entry-row">
              <span>
                <Link to={`/leads/${c.id}`}>{c.name || t('leads.noName')}</Link> <span className="small muted">{c.phone}</span>{' '}
                <LeadStatusBadge status={c.status} />
                <span className="small muted"> · {t('leads.touches', { count: c.touches })}</span>
              </span>
              <Link to={`?mergeQ=${encodeURIComponent(merge.q)}&mergeWith=${c.id}#merge`} className="btn btn-sm">
                {t('leads.detail.mergePick')}
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
      {merge.target ? (
        <div className="alert alert-warning" role="alert">
          <p>{t('leads.detail.mergeConfirm', { name: merge.target.name || t('leads.noName'), phone: merge.target.phone || t('leads.noPhone') })}</p>
          <Form method="post" className="form-actions">
            <CsrfInput />
            <input type="hidden" name="intent" value="merge" />
            <input type="hidden" name="duplicateId" value={merge.target.id} />
            <button type="submit" className="btn btn-primary">
              {t('leads.detail.mergeDo')}
            </button>
            <Link to={`/leads/${lead.id}`} className="btn btn-ghost">
              {t('common.cancel')}
            </Link>
          </Form>
        </div>
      ) : null}
    </div>
  )
}

export function ErasePanel({ lead, confirm, errors }: { lead: Lead; confirm: boolean; errors: FieldErrors }) {
  const { t } = useI18n()
  const showConfirm = confirm || Boolean(errors.confirm)
  return (
    <div id="erase" style={{ marginTop: 24 }}>
      <h3>{t('leads.detail.erase')}</h3>
      <p className="muted small">{t('leads.detail.eraseHint')}</p>
      {showConfirm ? (
        <div className="alert alert-danger" role="alert">
          <p>{t('leads.detail.eraseConfirm', { name: lead.name || lead.phone || t('leads.noName') })}</p>
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="intent" value="erase" />
            <div className="field">
              <label className="check">
                <input type="checkbox" name="confirm" value="yes" aria-describedby={errors.confirm ? 'erase-confirm-error' : undefined} />
                {t('leads.detail.eraseCheck')}
              </label>
              <FieldError id="erase-confirm-error" message={errors.confirm} />
            </div>
            <div className="form-actions">
              <button type="submit" className="btn btn-danger">
                {t('leads.detail.eraseDo')}
              </button>
              <Link to={`/leads/${lead.id}`} className="btn btn-ghost">
                {t('common.cancel')}
              </Link>
            </div>
          </Form>
        </div>
      ) : (
        <Link to="?erase=1#erase" className="btn btn-danger">
          {t('leads.detail.erase')}
        </Link>
      )}
    </div>
  )
}

/** The sales of the store's DMS exports matched to this lead (SPEC §4 matchback), with rule and confidence. */
export function MatchedSales({ lead, sales, canReview }: { lead: Lead; sales: LeadSale[] | null; canReview: boolean }) {
  const { t, day, money, num } = useI18n()
  return (
    <section className="card" aria-labelledby="sales-h">
      <h2 id="sales-h">
        {t('matchback.lead.title')} {sales ? <span className="muted small">({sales.length})</span> : null}
      </h2>
      {sales === null ? (
        <p className="muted">{t('matchback.lead.notReady')}</p>
      ) : sales.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table className="cards-narrow">
            <thead>
              <tr>
                <th scope="col">{t('matchback.col.saleDate')}</th>
                <th scope="col">{t('matchback.col.model')}</th>
                <th scope="col">{t('matchback.col.vin')}</th>
                <th scope="col" className="num">
                  {t('matchback.col.price')}
                </th>
                <th scope="col" className="num">
                  {t('matchback.col.profit')}
                </th>
                <th scope="col">{t('matchback.col.status')}</th>
              </tr>
            </thead>
            <tbody>
              {sales.map((s) => (
                <tr key={s.sale_key}>
                  <td data-label={t('matchback.col.saleDate')} className="nowrap">
                    {day(s.sale_date)}
                    {s.opportunity && lead.opportunity > 1 ? <div className="small muted">{t('matchback.lead.opportunity', { number: s.opportunity })}</div> : null}
                  </td>
                  <td data-label={t('matchback.col.model')}>{[s.series, s.model].filter(Boolean).join(' ') || '—'}</td>
                  <td data-label={t('matchback.col.vin')} className="small break-all">
                    {s.vin ?? s.order_no ?? '—'}
                  </td>
                  <td data-label={t('matchback.col.price')} className="num">
                    {money(s.transaction_price_fen, lead.store.currency)}
                  </td>
                  <td data-label={t('matchback.col.profit')} className="num">
                    {money(s.gross_profit_fen, lead.store.currency)}
                  </td>
                  <td data-label={t('matchback.col.status')}>
                    <span className={`badge ${s.status === 'matched' ? 'badge-matched' : 'badge-review'}`}>{t(`matchback.status.${s.status}`)}</span>
                    <div className="small muted">
                      {t(`matchback.rule.${s.rule}`)} · {num(Math.round(s.confidence * 100))}%
                    </div>
                    {s.status === 'review' && canReview ? (
                      <Link to={`/sales/matches?store=${lead.storeId}`} className="small">
                        {t('matchback.lead.review')}
                      </Link>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">{t('matchback.lead.empty')}</p>
      )}
    </section>
  )
}
