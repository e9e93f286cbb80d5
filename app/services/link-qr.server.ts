import QRCode from 'qrcode'
import { QrQuerySchema } from '../schemas/tracking-link'
import type { SessionUser } from '../utils/auth.server'
import { parseQuery } from '../utils/input.server'
import { slugify } from '../utils/utm'
import { getLinkByCode, publicOrigin, shortUrlFor } from './tracking-links.server'

export type QrFormat = 'png' | 'svg'

/**
 * The QR code of a tracking link's short URL, for posters and print ads. Error correction
 * level Q (25 %) survives a smudged or partly covered print; the quiet zone is the
 * standard four modules; the PNG is large enough for A4 at 300 dpi.
 */
export async function renderLinkQr(url: string, format: QrFormat) {
  const options = { errorCorrectionLevel: 'Q', margin: 4 } as const
  return format === 'png'
    ? new Uint8Array(await QRCode.toBuffer(url, { ...options, type: 'png', width: 1200 }))
    : await QRCode.toString(url, { ...options, type: 'svg' })
}

// characters that file systems or the header itself do not accept in a file name
const UNSAFE_FILE_CHARS = /[\\/:*?"<>|\u0000-\u001f\u007f]+/g

/** `attachment` with an ASCII name for old clients and the UTF-8 name (a Chinese campaign name) for the rest. */
export function attachmentHeader(baseName: string, asciiFallback: string, ext: string) {
  const name = `${baseName.replace(UNSAFE_FILE_CHARS, '_').trim().slice(0, 120) || asciiFallback}.${ext}`
  const ascii = `${slugify(asciiFallback, 80) || 'qr-code'}.${ext}`
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`
}

/** GET /r/<code>/qr.png|svg: for staff of the link's store; `?download=1` saves it as a file. */
export async function linkQrResponse(user: SessionUser, request: Request, code: string, format: QrFormat) {
  const { download } = parseQuery(request, QrQuerySchema, user)
  const { link, campaignName, medium } = await getLinkByCode(user, code)
  const body = await renderLinkQr(shortUrlFor(publicOrigin(request), link.code), format)
  const headers = new Headers({
    'Content-Type': format === 'png' ? 'image/png' : 'image/svg+xml; charset=utf-8',
    // behind the sign-in: no shared cache may keep it
    'Cache-Control': 'private, max-age=300',
    'X-Content-Type-Options': 'nosniff',
  })
  if (download) {
    const mediumName = medium ?? 'link'
    headers.set('Content-Disposition', attachmentHeader(`${campaignName}-${mediumName}`, `${link.utmCampaign}-${mediumName}-${link.code}`, format))
  }
  return new Response(body, { status: 200, headers })
}
