import { isLocale, negotiateLocale, type Locale } from '../i18n'
import { isSecureRequest } from './http.server'

export const LOCALE_COOKIE = 'rs_lang'

function readCookie(request: Request, name: string) {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return undefined
}

/** The user's saved choice, else this browser's choice, else the browser's languages. */
export function resolveLocale(request: Request, userLocale?: string | null): Locale {
  if (isLocale(userLocale)) return userLocale
  const cookie = readCookie(request, LOCALE_COOKIE)
  if (isLocale(cookie)) return cookie
  return negotiateLocale(request.headers.get('accept-language'))
}

export function localeCookie(request: Request, locale: Locale) {
  const secure = isSecureRequest(request) ? '; Secure' : ''
  return `${LOCALE_COOKIE}=${locale}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`
}
