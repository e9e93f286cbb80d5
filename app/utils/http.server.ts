/** Responses thrown from loaders and actions; the error boundary renders them as a helpful page. */
export function forbidden(message = 'Forbidden'): never {
  throw new Response(message, { status: 403, statusText: 'Forbidden' })
}

export function notFound(message = 'Not found'): never {
  throw new Response(message, { status: 404, statusText: 'Not Found' })
}

export function badRequest(message = 'Bad request'): never {
  throw new Response(message, { status: 400, statusText: 'Bad Request' })
}

export function clientIp(request: Request): string {
  // set by server.js from Express's req.ip, which honours TRUST_PROXY
  return request.headers.get('x-roadshow-client-ip') ?? 'unknown'
}

export function isSecureRequest(request: Request) {
  return new URL(request.url).protocol === 'https:'
}

const PROBE_ORIGIN = 'http://roadshow.invalid'

/**
 * Only same-origin paths survive; anything else becomes `fallback`. Browsers drop tabs and
 * newlines from a URL and read `\` as `/`, so `/\t/evil.example` or `/\evil.example` would
 * leave the site: any control character or backslash is refused outright, and what remains
 * must resolve to our own origin. The path is returned as the URL parser normalised it.
 */
export function safeRedirectPath(to: FormDataEntryValue | string | null | undefined, fallback = '/') {
  if (typeof to !== 'string' || !to.startsWith('/') || to.length > 2048) return fallback
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(to) || to.startsWith('//')) return fallback
  let url: URL
  try {
    url = new URL(to, PROBE_ORIGIN)
  } catch {
    return fallback
  }
  if (url.origin !== PROBE_ORIGIN) return fallback
  const path = url.pathname + url.search + url.hash
  return path.startsWith('//') ? fallback : path
}

/** A cookie's value from the request, or undefined. */
export function readCookie(request: Request, name: string) {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k !== name) continue
    const raw = v.join('=')
    try {
      return decodeURIComponent(raw)
    } catch {
      return raw
    }
  }
  return undefined
}

/** A Set-Cookie value for the whole site, Lax, and Secure when the request came over https. */
export function siteCookie(request: Request, name: string, value: string, options: { httpOnly?: boolean; maxAgeSeconds?: number } = {}) {
  return [
    `${name}=${value}`,
    'Path=/',
    ...(options.httpOnly === false ? [] : ['HttpOnly']),
    'SameSite=Lax',
    ...(options.maxAgeSeconds === undefined ? [] : [`Max-Age=${options.maxAgeSeconds}`]),
    ...(isSecureRequest(request) ? ['Secure'] : []),
  ].join('; ')
}
