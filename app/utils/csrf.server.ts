import crypto from 'node:crypto'
import { forbidden, isSecureRequest, readCookie, siteCookie } from './http.server'

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

export function checkCsrf(request: Request, formData: FormData) {
  const origin = request.headers.get('origin')
  if (origin && origin !== 'null' && origin !== new URL(request.url).origin) {
    forbidden('Cross-site request refused')
  }
  const cookieToken = readCookie(request, cookieName(request))
  const formToken = formData.get(CSRF_FIELD)
  if (!cookieToken || typeof formToken !== 'string' || !sameToken(cookieToken, formToken)) {
    forbidden('The form has expired or did not come from this site. Reload the page and try again.')
  }
}

/** Reads a mutation's form body after the CSRF check: the one way actions read their input. */
export async function readMutationForm(request: Request): Promise<FormData> {
  const formData = await request.formData()
  checkCsrf(request, formData)
  return formData
}
