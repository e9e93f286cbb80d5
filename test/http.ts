import crypto from 'node:crypto'
import type { Browser } from './factories'

/** A browser that has loaded a page but not signed in: a CSRF cookie and its token, no session. */
export function anonymous(): Browser {
  const csrf = crypto.randomBytes(32).toString('base64url')
  return { cookie: `rs_csrf=${csrf}`, csrf }
}

/** The same request with more headers (Origin, the client IP that server.js sets, ...). */
export function withHeaders(request: Request, headers: Record<string, string>) {
  const merged = new Headers(request.headers)
  for (const [k, v] of Object.entries(headers)) merged.set(k, v)
  return new Request(request, { headers: merged })
}

export type Outcome<T = unknown> = { status: number; headers: Headers; data: T }

/**
 * Whatever a loader or action produced — a Response (returned or thrown), `data(value, init)`,
 * or a plain value — as status, headers and data.
 */
export async function settle<T = any>(fn: () => Promise<unknown>): Promise<Outcome<T>> {
  let value: unknown
  try {
    value = await fn()
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown
    value = thrown
  }
  if (value instanceof Response) {
    const text = await value.text()
    return { status: value.status, headers: value.headers, data: text as T }
  }
  if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'DataWithResponseInit') {
    const { data, init } = value as { data: T; init: ResponseInit | null }
    return { status: init?.status ?? 200, headers: new Headers(init?.headers), data }
  }
  return { status: 200, headers: new Headers(), data: value as T }
}

/** The browser after a response: its session cookie replaced by the one the response set. */
export function acceptCookie(browser: Browser, response: Outcome): Browser {
  const set = response.headers.get('set-cookie')
  if (!set) return browser
  const [pair] = set.split(';')
  const name = pair!.split('=')[0]!
  const rest = browser.cookie
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith(`${name}=`))
  return { ...browser, cookie: [pair, ...rest].join('; ') }
}
