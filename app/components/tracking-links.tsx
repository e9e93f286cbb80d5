import type { SerializeFrom } from '@remix-run/node'
import { Form, Link, useActionData, useNavigation } from '@remix-run/react'
import { useEffect, useState } from 'react'
import type { MessageKey } from '../i18n'
import type { TrackingLinksSection } from '../services/tracking-links.server'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'

type Section = SerializeFrom<TrackingLinksSection>
type Row = Section['rows'][number]

/** Copies the short URL; shown only once JavaScript runs (before that the field can be selected by hand). */
function CopyButton({ value, label }: { value: string; label: string }) {
  const { t } = useI18n()
  const [ready, setReady] = useState(false)
  const [copied, setCopied] = useState(false)
  useEffect(() => setReady(true), [])
  if (!ready || typeof navigator === 'undefined' || !navigator.clipboard) return null
  return (
    <button
      type="button"
      className="btn btn-sm"
      aria-label={label}
      onClick={() => {
        void navigator.clipboard.writeText(value).then(() => setCopied(true))
      }}
    >
      {copied ? t('links.copied') : t('links.copy')}
    </button>
  )
}

function placementName(row: Row, t: ReturnType<typeof useI18n>['t']) {
  if (!row.placement) return t('links.placementRemoved')
  const medium = t(`medium.${row.placement.medium}` as MessageKey)
  return row.placement.platform ? `${medium} · ${row.placement.platform}` : medium
}

/** "Create the missing links", with the landing page they lead to. */
function EnsureForm({ section, errors, values }: { section: Section; errors: Record<string, string>; values?: { destinationUrl: string } }) {
  const { t } = useI18n()
  const busy = useNavigation().formData?.get('intent') === 'links.ensure'
  const error = errors.destinationUrl
  return (
    <Form method="post" noValidate className="no-print" style={{ marginBottom: 16 }}>
      <CsrfInput />
      <div className="field" style={{ maxWidth: 560 }}>
        <label htmlFor="links-destination">{t('links.destinationUrl')}</label>
        <input
          id="links-destination"
          name="destinationUrl"
          type="text"
          inputMode="url"
          placeholder="https://"
          defaultValue={values?.destinationUrl ?? section.defaultDestination}
          aria-invalid={error ? true : undefined}
          aria-describedby={`links-destination-hint${error ? ' links-destination-error' : ''}`}
        />
        <span className="hint" id="links-destination-hint">
          {t('links.destinationHint')}
        </span>
        <FieldError id="links-destination-error" message={error} />
      </div>
      <button type="submit" name="intent" value="links.ensure" className="btn btn-primary" disabled={busy}>
        {t('links.ensure', { count: section.missing })}
      </button>
    </Form>
  )
}

/** Where a link leads, as a person reads an address: host and path, without its parameters. */
function landingPage(url: string) {
  try {
    const u = new URL(url)
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return url
  }
}

function LinkCells({ row, index, campaignId, canManage }: { row: Row; index: number; campaignId: string; canManage: boolean }) {
  const { t, num } = useI18n()
  const link = row.link!
  const name = placementName(row, t)
  const inputId = `short-url-${index}`
  return (
    <>
      <td>
        <div className="field" style={{ marginBottom: 4 }}>
          <label htmlFor={inputId} className="visually-hidden">
            {t('links.shortUrlFor', { name })}
          </label>
          <div className="form-actions" style={{ flexWrap: 'nowrap' }}>
            <input id={inputId} type="text" readOnly value={link.shortUrl} onFocus={(e) => e.currentTarget.select()} style={{ minWidth: 200 }} />
            <CopyButton value={link.shortUrl} label={t('links.copyFor', { name })} />
          </div>
        </div>
        <div className="small muted break-all">
          <span>{t('links.leadsTo')}</span>{' '}
          <a href={link.fullUrl} target="_blank" rel="noopener noreferrer">
            {landingPage(link.fullUrl)}
          </a>
        </div>
        {/* the UTM parameters are for whoever reads the website's analytics, not for every reader */}
        <details className="small muted link-details">
          <summary>{t('links.details')}</summary>
          <span className="break-all">{link.fullUrl}</span>
        </details>
      </td>
      <td className="num">{num(row.clicks)}</td>
      <td className="num">{num(row.visitors)}</td>
      <td>
        <img className="qr-thumb" src={`/r/${link.code}/qr.svg`} alt={t('links.qrAlt', { name })} width={88} height={88} loading="lazy" />
      </td>
      <td>
        <div className="form-actions">
          <a className="btn btn-sm" href={`/r/${link.code}/qr.png?download=1`} download aria-label={t('links.downloadPngFor', { name })}>
            {t('links.downloadPng')}
          </a>
          <a className="btn btn-sm" href={`/r/${link.code}/qr.svg?download=1`} download aria-label={t('links.downloadSvgFor', { name })}>
            {t('links.downloadSvg')}
          </a>
          <Link className="btn btn-sm" to={`/r/${link.code}/poster`} aria-label={t('links.posterFor', { name })}>
            {t('links.poster')}
          </Link>
          {canManage ? (
            <Link className="btn btn-sm" to={`/campaigns/${campaignId}/links/${link.id}`} aria-label={t('links.editFor', { name })}>
              {t('common.edit')}
            </Link>
          ) : null}
        </div>
      </td>
    </>
  )
}

/** The campaign page's "Tracking links & QR codes": one short link per media placement (SPEC §3). */
export function TrackingLinks({ campaignId, section, errors }: { campaignId: string; section: Section; errors: Record<string, string> }) {
  const { t } = useI18n()
  // what was typed into "create the missing links" when the campaign page's action refused it
  const values = (useActionData() as { linksValues?: { destinationUrl: string } } | undefined)?.linksValues
  const hasLinks = section.rows.some((r) => r.link)
  return (
    <section className="card section" id="tracking-links" aria-labelledby="tracking-links-title">
      <h2 id="tracking-links-title">{t('links.title')}</h2>
      <p className="muted small">{t('links.intro')}</p>
      {section.canManage && section.missing > 0 ? <EnsureForm section={section} errors={errors} values={values} /> : null}
      {!section.rows.length ? (
        <p className="muted">{t('links.noPlacements')}</p>
      ) : (
        <>
          {!hasLinks && !section.canManage ? <p className="muted">{t('links.noneYet')}</p> : null}
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th>{t('links.placement')}</th>
                  <th>{t('links.shortUrl')}</th>
                  <th className="num">{t('links.clicks')}</th>
                  <th className="num">{t('links.visitors')}</th>
                  <th>{t('links.qrCode')}</th>
                  <th>{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {section.rows.map((row, i) => (
                  <tr key={row.link?.id ?? row.placement?.id ?? i}>
                    <td style={{ minWidth: 120 }}>
                      {placementName(row, t)}
                      {row.link && !row.link.active ? (
                        <>
                          {' '}
                          <span className="badge badge-cancelled">{t('links.inactive')}</span>
                        </>
                      ) : null}
                    </td>
                    {row.link ? (
                      <LinkCells row={row} index={i} campaignId={campaignId} canManage={section.canManage} />
                    ) : (
                      <td colSpan={5} className="muted">
                        {t('links.noLinkYet')}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small" style={{ marginTop: 8 }}>
            {t('links.countingHint')}
          </p>
        </>
      )}
    </section>
  )
}
