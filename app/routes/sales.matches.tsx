import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react'
import { CsrfInput } from '../components/csrf-input'
import { Pager } from '../components/sort-header'
import type { MessageKey } from '../i18n'
import { MatchDecisionSchema, MatchReviewQuerySchema } from '../schemas/matchback'
import { decideMatch, listMatchReviews, type MatchReviewItem } from '../services/matchback.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { badFields, parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

/** SPEC §4 matchback: suggested sale ↔ lead matches a person accepts or rejects (ADR 017). */

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'sales:read')
  const query = parseQuery(request, MatchReviewQuerySchema, user)
  return { list: await listMatchReviews(user, query), store: query.store ?? '', notice: query.notice ?? null }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'sales:review')
  const form = await readMutationForm(request)
  const parsed = MatchDecisionSchema.safeParse(formToObject(form, ['csrf']))
  if (!parsed.success) badFields(request, parsed.error, user)
  const result = await decideMatch(user, parsed.data, clientIp(request))
  // back to the list where the decision was taken (its store filter and page)
  const back = new URLSearchParams(new URL(request.url).search)
  back.set('notice', result.ok ? result.decision : 'gone')
  return redirect(`/sales/matches?${back}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'matchback.title')

const NOTICES: Record<string, MessageKey> = {
  accepted: 'matchback.notice.accepted',
  rejected: 'matchback.notice.rejected',
  gone: 'matchback.notice.gone',
}

export default function SalesMatches() {
  const { list, store, notice } = useLoaderData<typeof loader>()
  const { t } = useI18n()
  const noticeKey = notice ? NOTICES[notice] : undefined
  return (
    <>
      <div className="page-head">
        <h1>{t('matchback.title')}</h1>
      </div>
      <p className="muted">{t('matchback.intro')}</p>
      {noticeKey ? (
        <div className={`alert ${notice === 'gone' ? 'alert-warning' : 'alert-success'}`} role="status">
          {t(noticeKey)}
        </div>
      ) : null}
      {list.stores.length > 1 ? (
        <Form method="get" className="input-row" style={{ maxWidth: 420, marginBottom: 16 }}>
          <label htmlFor="mb-store" className="visually-hidden">
            {t('matchback.filter.store')}
          </label>
          <select id="mb-store" name="store" defaultValue={store}>
            <option value="">{t('matchback.filter.allStores')}</option>
            {list.stores.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <button type="submit" className="btn">
            {t('common.filter')}
          </button>
        </Form>
      ) : null}
      {!list.ready ? (
        <p className="empty">{t('matchback.notReady')}</p>
      ) : list.items.length ? (
        <>
          <p className="small muted">{t('common.total', { count: list.total })}</p>
          <ul className="entries" aria-label={t('matchback.title')}>
            {list.items.map((item) => (
              <MatchCard key={`${item.storeId}|${item.saleKey}|${item.leadId}`} item={item} showStore={list.stores.length > 1} />
            ))}
          </ul>
          <Pager page={list.page} pages={list.pages} />
        </>
      ) : (
        <p className="empty">{t('matchback.empty')}</p>
      )}
    </>
  )
}

function MatchCard({ item, showStore }: { item: MatchReviewItem; showStore: boolean }) {
  const { t, day, num } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const when = day(item.saleDate)
  const phone = item.leadPhone ?? '—'
  return (
    <li className="entry">
      <div className="entry-head">
        <strong className="entry-time">{when}</strong>
        <span>{item.model ?? '—'}</span>
        {showStore ? <span className="small muted">{item.storeName}</span> : null}
      </div>
      <div className="match-pair">
        <dl>
          <dt>{t('matchback.sale')}</dt>
          <dd className="nowrap">{item.salePhone ?? '—'}</dd>
          <dd>{item.saleName ?? '—'}</dd>
        </dl>
        <dl>
          <dt>{t('matchback.lead')}</dt>
          <dd className="nowrap">{phone}</dd>
          <dd>
            {item.leadName ?? '—'} · <Link to={`/leads/${item.leadId}`}>{t('matchback.openLead')}</Link>
          </dd>
        </dl>
      </div>
      <p className="small" style={{ margin: '0 0 8px' }}>
        <span className="badge badge-review">{t(`matchback.rule.${item.rule}`)}</span>{' '}
        {t(item.nameAgreement ? `matchback.agreement.${item.nameAgreement}` : 'matchback.agreement.none')} · {t('matchback.col.confidence')}{' '}
        {num(Math.round(item.confidence * 100))}%{item.candidates > 1 ? ` · ${t('matchback.candidates', { count: item.candidates })}` : ''}
      </p>
      {item.decided ? (
        <p className="small muted" role="status">
          {t(`matchback.decided.${item.decided}`)}
        </p>
      ) : item.canDecide ? (
        <Form method="post" className="match-actions">
          <CsrfInput />
          <input type="hidden" name="storeId" value={item.storeId} />
          <input type="hidden" name="saleKey" value={item.saleKey} />
          <input type="hidden" name="leadId" value={item.leadId} />
          <button type="submit" name="intent" value="accept" className="btn btn-primary" disabled={busy} aria-label={t('matchback.acceptLabel', { date: when, phone })}>
            {t('matchback.accept')}
          </button>
          <button type="submit" name="intent" value="reject" className="btn" disabled={busy} aria-label={t('matchback.rejectLabel', { date: when, phone })}>
            {t('matchback.reject')}
          </button>
        </Form>
      ) : null}
    </li>
  )
}
