import crypto from 'node:crypto'
import { forbidden, isSecureRequest, readCookie, siteCookie } from './http.server'
import { badInput, fieldsWithNul, unreadableForm } from './input.server'

/**
 * CSRF protection by double submit: a random token lives in an HttpOnly cookie and is
 * rendered into every form as a hidden field; a mutation is accepted only when the two
 * match and the Origin (when the browser sends one) is our own. See docs/decisions/004.
 */
export const CSRF_FIELD = 'csrf'

function cookieName(request: Request) {
  return isSecureRequest(request) ? '__Host-rs_csrf' : 'rs_csrf'
}

export function getCsrfToken(request: Request): { token: string; setCookie?: string } {
  const name = cookieName(request)
  const existing = readCookie(request, name)
  if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return { token: existing }
  const token = crypto.randomBytes(32).toString('base64url')
  return { token, setCookie: siteCookie(request, name, token) }
}

function sameToken(a: string, b: string) {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

/**
 * Remix checks a form post's Origin against its Host itself, before any route runs, and
 * answers a mismatch (or an Origin that is no URL) with a bare 500 and no page
 * (server-runtime's throwIfPotentialCSRFAttack). This Express middleware, in front of
 * Remix's request handler (server.js), hands the Origin of every mutation over in a header
 * of ours instead, so that checkCsrf refuses a cross-site post with 403 and the error page.
 * A client's own header of that name is dropped first. See docs/decisions/004.
 */
export const ORIGIN_HANDOVER_HEADER = 'x-roadshow-origin'
const CHECKED_BY_REMIX = ['POST', 'PUT', 'PATCH', 'DELETE']

type NodeRequest = { method?: string; headers: Record<string, string | string[] | undefined> }

export function handOverOrigin(req: NodeRequest, _res: unknown, next: () => void) {
  const origin = req.headers.origin
  delete req.headers[ORIGIN_HANDOVER_HEADER]
  if (CHECKED_BY_REMIX.includes(req.method ?? '') && origin !== undefined) {
    delete req.headers.origin
    req.headers[ORIGIN_HANDOVER_HEADER] = origin
  }
  next()
}

/** The Origin the browser sent, wherever it travels (see handOverOrigin). */
export function browserOrigin(request: Request) {
  return request.headers.get(ORIGIN_HANDOVER_HEADER) ?? request.headers.get('origin')
}

export function checkCsrf(request: Request, formData: FormData) {
  const own = new URL(request.url).origin
  for (const origin of [request.headers.get('origin'), request.headers.get(ORIGIN_HANDOVER_HEADER)]) {
    if (origin && origin !== 'null' && origin !== own) forbidden('Cross-site request refused')
  }
  const cookieToken = readCookie(request, cookieName(request))
  const formToken = formData.get(CSRF_FIELD)
  if (!cookieToken || typeof formToken !== 'string' || !sameToken(cookieToken, formToken)) {
    forbidden('The form has expired or did not come from this site. Reload the page and try again.')
  }
}

/** Reads a mutation's form body after the CSRF check: the one way actions read their input. */
export async function readMutationForm(request: Request): Promise<FormData> {
  let formData: FormData
  try {
    formData = await request.formData()
  } catch {
    // no body, a body that is no form, or not the form its Content-Type names
    unreadableForm(request)
  }
  checkCsrf(request, formData)
  const withNul = fieldsWithNul(formData)
  if (withNul.length) badInput(request, withNul.map((field) => ({ field, message: 'validation.invalid' })))
  return formData
}
