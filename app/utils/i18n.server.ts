import { isLocale, negotiateLocale, type Locale } from '../i18n'
import { readCookie, siteCookie } from './http.server'

export const LOCALE_COOKIE = 'rs_lang'

/** The user's saved choice, else this browser's choice, else the browser's languages. */
export function resolveLocale(request: Request, userLocale?: string | null): Locale {
  if (isLocale(userLocale)) return userLocale
  const cookie = readCookie(request, LOCALE_COOKIE)
  if (isLocale(cookie)) return cookie
  return negotiateLocale(request.headers.get('accept-language'))
}

export function localeCookie(request: Request, locale: Locale) {
  // not HttpOnly: it holds nothing secret
  return siteCookie(request, LOCALE_COOKIE, locale, { httpOnly: false, maxAgeSeconds: 31536000 })
}
