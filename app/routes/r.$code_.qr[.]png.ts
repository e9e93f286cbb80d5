import type { LoaderFunctionArgs } from '@remix-run/node'
import { linkQrResponse } from '../services/link-qr.server'
import { requireUserWithPermission } from '../utils/auth.server'

/** GET /r/<code>/qr.png (?download=1): the link's QR code for print, for staff of its store. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:read')
  return linkQrResponse(user, request, params.code ?? '', 'png')
}
