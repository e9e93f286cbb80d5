import type { LoaderFunctionArgs } from '@remix-run/node'
import { resolveAndCountClick } from '../services/tracking-links.server'
import { publicMessagePage } from '../utils/public-page.server'

/**
 * GET /r/<code>: the short link printed on posters and placed in ads (SPEC §3). Public:
 * counts the click (not a crawler's) and sends the phone on to the landing page with
 * the link's UTM parameters.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const target = await resolveAndCountClick(params.code ?? '', request)
  if (!target) return publicMessagePage(request, 404, 'links.gone.title', 'links.gone.body')
  return new Response(null, {
    status: 302,
    headers: {
      Location: target.location,
      'Cache-Control': 'no-store',
      // the landing page may see that the visit came through our link (not on https → http)
      'Referrer-Policy': 'no-referrer-when-downgrade',
      ...(target.setCookie ? { 'Set-Cookie': target.setCookie } : {}),
    },
  })
}
