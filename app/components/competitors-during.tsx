import { Link } from '@remix-run/react'
import type { CompetitorsDuring } from '../services/competitor-analysis.server'
import { useI18n } from '../utils/use-root'

/** What competitors did while the campaign ran: their promotions then, and their prices before against during. */
export function CompetitorsDuringCard({ during, currency }: { during: CompetitorsDuring; currency: string }) {
  const { t, day, money, num, pct } = useI18n()
  const price = (fen: number | null) => (fen === null ? '—' : money(fen, currency))
  const nothing = !during.promotions.length && !during.priceMoves.length && !during.shareChanges.length
  const share = (x: number | null) => (x === null ? t('competitors.during.noShare') : `${(x * 100).toFixed(1)}%`)
  const points = (a: number | null, b: number | null) => (a === null || b === null ? '—' : `${b >= a ? '+' : ''}${((b - a) * 100).toFixed(1)} pt`)
  const month = (m: string) => m.slice(0, 7)
  const lastMonth = (to: string) => month(new Date(Date.parse(`${to}T00:00:00Z`) - 86_400_000).toISOString())
  // one month shows as itself, more as first – last
  const monthsOf = ([from, to]: [string, string]) => (month(from) === lastMonth(to) ? month(from) : `${month(from)} – ${lastMonth(to)}`)
  return (
    <section className="card" aria-labelledby="cd-h" data-testid="competitors-during">
      <h2 id="cd-h">{t('competitors.during.title')}</h2>
      <p className="muted small">
        {during.segments.length ? t('competitors.during.segments', { segments: during.segments.join('、') }) : t('competitors.during.noSegment')}{' '}
        <Link to="/competitors/promotions">{t('competitors.tab.promotions')} →</Link>
      </p>
      {nothing ? <p className="empty">{t('competitors.during.nothing')}</p> : null}
      {during.promotions.length ? (
        <ul className="plain-list small">
          {during.promotions.map((p, i) => (
            <li key={i}>
              <strong>
                {p.brand} {p.model}
              </strong>
              ：{p.promotion} <span className="muted">({p.start === p.end ? day(p.start) : `${day(p.start)} – ${day(p.end)}`})</span>
            </li>
          ))}
        </ul>
      ) : null}
      {during.priceMoves.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('competitors.col.car')}</th>
                <th scope="col" className="num">
                  {t('competitors.during.before')}
                </th>
                <th scope="col" className="num">
                  {t('competitors.during.while')}
                </th>
                <th scope="col" className="num">
                  {t('competitors.during.change')}
                </th>
              </tr>
            </thead>
            <tbody>
              {during.priceMoves.map((m) => (
                <tr key={`${m.brand} ${m.model}`}>
                  <th scope="row">
                    {m.brand} {m.model} <span className="muted small">({t('competitors.during.sightings', { count: num(m.sightings) })})</span>
                  </th>
                  <td className="num">{price(m.beforeFen)}</td>
                  <td className="num">{price(m.duringFen)}</td>
                  <td className="num">{m.beforeFen && m.duringFen !== null ? pct((m.duringFen - m.beforeFen) / m.beforeFen) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {during.shareChanges.length ? (
        <div data-testid="share-change">
          <p className="small">
            <strong>{t('competitors.during.share', { city: during.shareChanges[0]!.city, measure: t(`market.measure.${during.shareChanges[0]!.measure}`) })}</strong>
            {' · '}
            {t('competitors.during.shareBefore', { months: monthsOf(during.shareChanges[0]!.months.before) })} → {t('competitors.during.shareDuring', { months: monthsOf(during.shareChanges[0]!.months.during) })} →{' '}
            {t('competitors.during.shareAfter', { months: monthsOf(during.shareChanges[0]!.months.after) })}
          </p>
          {/* one line per segment: the evaluation prints on one A4 page */}
          <ul className="plain-list small">
            {during.shareChanges.map((c) => (
              <li key={c.segment}>
                <strong>{c.segment}</strong>：{share(c.before)} → {share(c.during)} → {share(c.after)}（{t('competitors.during.shareChange')} {points(c.before, c.during)}）
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {during.shareChanges.length ? (
        <p className="small no-print">
          <Link to="/competitors/share">{t('competitors.tab.share')} →</Link>
        </p>
      ) : null}
    </section>
  )
}
