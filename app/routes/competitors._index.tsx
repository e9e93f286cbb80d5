import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react'
import { SEEN_AT } from '../../db/schema/enums'
import { CompetitorTabs } from '../components/competitor-tabs'
import { DateRange } from '../components/date-range'
import { FilterActions, FilterSelect } from '../components/filter-select'
import { Pager, SortHeader } from '../components/sort-header'
import { ObservationFiltersSchema } from '../schemas/competitor'
import { knownBrandsAndModels, listObservations } from '../services/competitors.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { storeToday } from '../utils/zoned-time'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const filters = parseQuery(request, ObservationFiltersSchema, user)
  const [list, known] = await Promise.all([listObservations(user, filters), knownBrandsAndModels(user)])
  const url = new URL(request.url)
  return {
    ...list,
    brands: known.brands,
    stores: user.stores.map((s) => ({ id: s.id, name: s.name })),
    canRecord: roleCan(user.role, 'competitor:write') && user.stores.length > 0,
    canManageSegments: roleCan(user.role, 'segment:manage'),
    filtered: ['store', 'from', 'to', 'month', 'brand', 'seenAt', 'q'].some((k) => url.searchParams.get(k)),
    today: storeToday(user.stores),
  }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.title')

const NOTICES = { created: 'competitors.created', updated: 'competitors.updated', deleted: 'competitors.deleted' } as const

export default function Competitors() {
  const d = useLoaderData<typeof loader>()
  const [params] = useSearchParams()
  const { t, num, money, day } = useI18n()
  const p = (k: string) => params.get(k) ?? ''
  const notice = NOTICES[p('notice') as keyof typeof NOTICES]
  const period = (from: string | null, to: string | null) => (from || to ? `${day(from)} – ${day(to)}` : '')
  return (
    <>
      <div className="page-head">
        <h1>{t('competitors.title')}</h1>
        <span className="muted" style={{ alignSelf: 'center' }}>
          {t('competitors.count', { count: num(d.total) })}
        </span>
        <div className="actions">
          {d.canRecord ? (
            <>
              <Link to="/competitors/import" className="btn">
                {t('competitors.importShort')}
              </Link>
              <Link to="/competitors/new" className="btn btn-primary">
                + {t('competitors.newShort')}
              </Link>
            </>
          ) : null}
        </div>
      </div>
      <CompetitorTabs />
      {notice ? (
        <div className="alert alert-success" role="status">
          {t(notice)}
        </div>
      ) : null}
      <Form method="get" key={params.toString()} className="card filters" role="search">
        <div className="field">
          <label htmlFor="cf-q">{t('competitors.filter.q')}</label>
          <input id="cf-q" name="q" type="search" maxLength={100} defaultValue={p('q')} />
        </div>
        {d.stores.length > 1 ? <FilterSelect name="store" label={t('common.store')} value={p('store')} options={d.stores.map((s) => ({ value: s.id, label: s.name }))} /> : null}
        <FilterSelect name="brand" label={t('competitors.filter.brand')} value={p('brand')} options={d.brands.map((b) => ({ value: b, label: b }))} />
        <FilterSelect name="seenAt" label={t('competitors.field.seenAt')} value={p('seenAt')} options={SEEN_AT.map((s) => ({ value: s, label: t(`competitors.seenAt.${s}`) }))} />
        {p('sort') ? <input type="hidden" name="sort" value={p('sort')} /> : null}
        {p('dir') ? <input type="hidden" name="dir" value={p('dir')} /> : null}
        <DateRange id="cf-period" label={t('competitors.filter.period')} from={p('from')} to={p('to')} today={d.today} />
        <FilterActions resetTo="/competitors" showReset={d.filtered} />
      </Form>
      {d.rows.length ? (
        <>
          <div className="table-wrap" tabIndex={0}>
            <table className="cards" data-testid="observations">
              <thead>
                <tr>
                  <SortHeader column="car" defaultSort="seenOn" defaultDir="asc">
                    {t('competitors.col.car')}
                  </SortHeader>
                  <SortHeader column="price" defaultSort="seenOn" className="num">
                    {t('competitors.col.price')}
                  </SortHeader>
                  <SortHeader column="discount" defaultSort="seenOn" className="num">
                    {t('competitors.col.discount')}
                  </SortHeader>
                  <th scope="col">{t('competitors.col.promotion')}</th>
                  <SortHeader column="seenOn" defaultSort="seenOn">
                    {t('competitors.col.seen')}
                  </SortHeader>
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/competitors/${r.id}`}>
                        {r.brand} {r.model}
                      </Link>
                      {r.trim ? <div className="small muted">{r.trim}</div> : null}
                    </td>
                    <td className="num" data-label={t('competitors.col.price')}>
                      {r.transactionPriceFen !== null ? money(r.transactionPriceFen, r.currency) : '—'}
                      {r.listPriceFen !== null ? <div className="small muted">{t('competitors.field.listPrice')}: {money(r.listPriceFen, r.currency)}</div> : null}
                    </td>
                    <td className="num" data-label={t('competitors.col.discount')}>
                      {r.discountFen !== null ? money(r.discountFen, r.currency) : '—'}
                    </td>
                    <td data-label={t('competitors.col.promotion')}>
                      {r.promotion || '—'}
                      {r.promotionStart || r.promotionEnd ? <div className="small muted">{period(r.promotionStart, r.promotionEnd)}</div> : null}
                    </td>
                    <td data-label={t('competitors.col.seen')}>
                      {day(r.seenOn)} · {t(`competitors.seenAt.${r.seenAt}`)}
                      <div className="small muted">{[r.place, r.seenBy, d.stores.length > 1 ? r.storeName : ''].filter(Boolean).join(' · ')}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={d.page} pages={d.pages} />
        </>
      ) : (
        <div className="card empty">
          <p>{t(d.filtered ? 'competitors.emptyFiltered' : 'competitors.empty')}</p>
          {!d.filtered && d.canRecord ? (
            <Link to="/competitors/new" className="btn btn-primary">
              + {t('competitors.new')}
            </Link>
          ) : null}
        </div>
      )}
    </>
  )
}
