import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type RoadshowServer } from './harness'

/**
 * Behind a reverse proxy (TRUST_PROXY) the client address is the one the trusted proxy saw,
 * the rightmost X-Forwarded-For entry it appended, not the leftmost one the client wrote:
 * sign-in throttling per address must hold against invented addresses. No browser needed.
 */
let server: RoadshowServer

beforeAll(async () => {
  server = await startServer({ env: { TRUST_PROXY: '1' } })
})

afterAll(async () => {
  await server?.stop()
})

async function csrfSession() {
  const res = await fetch(`${server.url}/login`)
  const cookie = /rs_csrf=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]
  expect(cookie).toBeTruthy()
  return cookie!
}

async function signIn(csrf: string, email: string, forwardedFor: string, proto = 'http') {
  const res = await fetch(`${server.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: `rs_csrf=${csrf}`,
      'x-forwarded-for': forwardedFor,
      'x-forwarded-proto': proto,
    },
    body: new URLSearchParams({ csrf, email, password: 'wrong-password-123', redirectTo: '' }),
  })
  await res.arrayBuffer()
  return res.status
}

describe('behind a trusted proxy', () => {
  it('throttles sign-ins by the address the proxy saw, whatever the client writes before it', async () => {
    const csrf = await csrfSession()
    const statuses: number[] = []
    // 35 guesses at different accounts, each claiming a new address: the proxy saw one client
    for (let i = 0; i < 35; i++) {
      statuses.push(await signIn(csrf, `nobody${i}@example.com`, `10.${i}.1.1, 203.0.113.${i}, 198.51.100.7`))
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true)
    expect(statuses.slice(30)).toEqual([429, 429, 429, 429, 429])
    // another client behind the same proxy is not held back by that one
    expect(await signIn(csrf, 'someone@example.com', '198.51.100.7, 198.51.100.8')).toBe(401)
  })

  it('sends HSTS only when the request came over https', async () => {
    const plain = await fetch(`${server.url}/login`, { headers: { 'x-forwarded-proto': 'http' } })
    expect(plain.headers.get('strict-transport-security')).toBeNull()
    const secure = await fetch(`${server.url}/login`, { headers: { 'x-forwarded-proto': 'https' } })
    expect(secure.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/)
  })

  it('refuses a request id that is not one, and keeps one that is', async () => {
    const bad = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'a b <script>' } })
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const good = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'lb-1234.abc' } })
    expect(good.headers.get('x-request-id')).toBe('lb-1234.abc')
  })
})
