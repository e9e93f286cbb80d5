import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import { getPoster, publicOrigin } from '../services/tracking-links.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { pageTitle } from '../utils/meta'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:read')
  return getPoster(user, params.code ?? '', publicOrigin(request))
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'links.poster')

/** A poster for a 小区外展 or an auto show: the campaign, a big QR code and the short URL, on one A4 page. */
export default function LinkPoster() {
  const d = useLoaderData<typeof loader>()
  const { t, day } = useI18n()
  return (
    <>
      <div className="no-print">
        <div className="breadcrumb">
          <Link to={`/campaigns/${d.campaign.id}#tracking-links`}>{d.campaign.name}</Link> / {t('links.poster')}
        </div>
        {!d.active ? (
          <div className="alert alert-warning" role="status">
            {t('links.posterInactive')}
          </div>
        ) : null}
        <div className="form-actions" style={{ marginBottom: 16 }}>
          <button type="button" className="btn btn-primary" onClick={() => window.print()}>
            {t('common.print')}
          </button>
          <a className="btn" href={`/r/${d.code}/qr.png?download=1`} download>
            {t('links.downloadPng')}
          </a>
          <a className="btn" href={`/r/${d.code}/qr.svg?download=1`} download>
            {t('links.downloadSvg')}
          </a>
          <Link to={`/campaigns/${d.campaign.id}#tracking-links`} className="btn btn-ghost">
            {t('common.back')}
          </Link>
        </div>
        <p className="muted small">{t('links.posterHint')}</p>
      </div>
      <article className="poster">
        <p className="poster-store">{d.store.name}</p>
        <h1>{d.campaign.name}</h1>
        {d.campaign.theme ? <p className="poster-theme">{d.campaign.theme}</p> : null}
        {d.campaign.startDate && d.campaign.endDate ? (
          <p className="poster-dates">
            {d.campaign.startDate === d.campaign.endDate ? day(d.campaign.startDate) : `${day(d.campaign.startDate)} – ${day(d.campaign.endDate)}`}
          </p>
        ) : null}
        {d.offers.length ? (
          <ul className="poster-offers" aria-label={t('links.posterOffers')}>
            {d.offers.map((offer) => (
              <li key={offer}>{offer}</li>
            ))}
          </ul>
        ) : null}
        <img className="poster-qr" src={`/r/${d.code}/qr.svg`} alt={t('links.qrAlt', { name: d.campaign.name })} width={420} height={420} />
        <p className="poster-cta">{t('links.posterScan')}</p>
        <p className="poster-url">{d.shortUrl}</p>
        {d.store.address || d.store.hotline ? (
          <p className="poster-contact">
            {d.store.address ? <span>{t('links.posterAddress', { address: d.store.address })}</span> : null}
            {d.store.hotline ? <span>{t('links.posterHotline', { hotline: d.store.hotline })}</span> : null}
          </p>
        ) : (
          <p className="muted small no-print">{t('links.posterNoContact')}</p>
        )}
        {d.placement ? (
          <p className="muted small no-print">
            {t(`medium.${d.placement.medium}` as MessageKey)}
            {d.placement.platform ? ` · ${d.placement.platform}` : ''}
          </p>
        ) : null}
      </article>
    </>
  )
}
