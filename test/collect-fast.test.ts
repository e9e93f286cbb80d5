import crypto from 'node:crypto'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { count, eq } from 'drizzle-orm'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { sites, touchpoints, webEvents } from '../db/schema'
import { collectFastPath } from '../app/services/collect-fast.server'
import { setWebIntakeLimits } from '../app/services/web-intake.server'
import { setCollector } from '../app/services/collector.server'
import { createGroup, createStore } from './factories'

/**
 * POST /api/collect as server.js answers it, from Node's own request before Express's other
 * middleware and Remix (ADR 030): the same answers as the Remix route (test/web-intake.test.ts
 * holds the endpoint's rules), read from a real socket — the body's cap counted while it
 * streams in, the client's address as TRUST_PROXY says, nothing stored from what is refused.
 */
const ORIGIN = 'https://www.fast.test'
const CHROME = 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36'
const hex = (n = 8) => crypto.randomBytes(n).toString('hex')

let server: http.Server
let base: string
let site: { id: string; siteKey: string }

beforeAll(async () => {
  const group = await createGroup()
  const store = await createStore(group.id)
  const db = await getDb()
  const [row] = await db.insert(sites).values({ storeId: store.id, name: '官网', siteKey: `site_${hex()}`, origins: [ORIGIN] }).returning()
  site = row!
  // as server.js mounts it: first, before the rest of the server
  server = listen(collectFastPath(false))
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise((resolve) => server.close(resolve)))

/** Node's server with the fast path first, as server.js has it; the rest is "not the fast path". */
function listen(fast: ReturnType<typeof collectFastPath>) {
  return http
    .createServer((req, res) => {
      if (fast(req, res)) return
      res.statusCode = 404
      res.end('not the fast path')
    })
    .listen(0, '127.0.0.1')
}

afterEach(() => {
  setWebIntakeLimits(undefined)
  setCollector(undefined)
})

const event = (over: Record<string, unknown> = {}) => ({
  siteKey: site.siteKey,
  visitorId: `v${hex()}`,
  eventId: `e${hex()}`,
  url: `${ORIGIN}/models/id4?utm_source=douyin&utm_medium=social`,
  referrer: 'https://www.douyin.com/',
  ...over,
})

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/collect`, { method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': CHROME, ...headers } })

async function storedEvents() {
  const db = await getDb()
  const [row] = await db.select({ n: count() }).from(webEvents).where(eq(webEvents.siteId, site.id))
  return row!.n
}

/** A raw HTTP/1.1 exchange on one socket: what a client that streams its body (no Content-Length) or stops halfway sends. */
function raw(request: string, endAfterWrite = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(request)
      if (endAfterWrite) socket.end()
    })
    let answer = ''
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')))
    socket.on('close', () => resolve(answer))
    socket.on('error', reject)
    socket.setTimeout(5000, () => socket.destroy())
  })
}

describe('POST /api/collect before Express and Remix', () => {
  it('stores a page view and its touchpoint once, acknowledging with CORS for the site; a retry is a duplicate', async () => {
    const before = await storedEvents()
    const e = event()
    const res = await post(JSON.stringify(e))
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({ ok: true, stored: 1, duplicates: 0 })
    expect(await (await post(JSON.stringify(e))).json()).toEqual({ ok: true, stored: 0, duplicates: 1 })
    expect(await storedEvents()).toBe(before + 1)
    const db = await getDb()
    const [touch] = await db.select().from(touchpoints).where(eq(touchpoints.visitorKey, e.visitorId))
    expect(touch).toMatchObject({ kind: 'web_visit', channel: 'douyin', siteId: site.id })
  })

  it('refuses what the route refuses, with the same clear answers, storing nothing', async () => {
    const before = await storedEvents()
    const bad = await post(JSON.stringify(event({ url: 'not a url' })))
    expect(bad.status).toBe(400)
    expect((await bad.json()).message).toContain('url: must be an absolute http(s) URL')
    expect((await post('{"siteKey":')).status).toBe(400)
    expect((await post('<e/>', { 'content-type': 'application/xml' })).status).toBe(415)
    const stranger = await post(JSON.stringify(event()), { origin: 'https://evil.example' })
    expect(stranger.status).toBe(403)
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull()
    expect((await post(JSON.stringify(event({ siteKey: `nosuch_${hex()}` })))).status).toBe(403)
    expect(await storedEvents()).toBe(before)
  })

  it('counts the cap while a body without a length streams in: 413 and the connection closed', async () => {
    const before = await storedEvents()
    const body = JSON.stringify(event({ url: `${ORIGIN}/?q=${'x'.repeat(20_000)}` }))
    const chunks = [body.slice(0, 10_000), body.slice(10_000)].map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('')
    const answer = await raw(
      `POST /api/collect HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}\r\nUser-Agent: ${CHROME}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n${chunks}0\r\n\r\n`,
    )
    expect(answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(answer.toLowerCase()).toContain('connection: close')
    expect(answer).toContain('body_too_large')
    expect(await storedEvents()).toBe(before)
  })

  it('a client that goes away halfway through its body has nothing stored, and the server goes on answering', async () => {
    const before = await storedEvents()
    const body = JSON.stringify(event())
    await raw(`POST /api/collect HTTP/1.1\r\nHost: x\r\nOrigin: ${ORIGIN}\r\nUser-Agent: ${CHROME}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 40)}`)
    expect(await storedEvents()).toBe(before)
    expect((await post(JSON.stringify(event()))).status).toBe(200)
  })

  it('limits by the connection’s address: an X-Forwarded-For of the client’s choosing does not buy a new allowance', async () => {
    setWebIntakeLimits({ collectIp: [0.001, 2] })
    const forged = (n: number) => post(JSON.stringify(event()), { 'x-forwarded-for': `203.0.113.${n}` })
    expect((await forged(1)).status).toBe(200)
    expect((await forged(2)).status).toBe(200)
    const third = await forged(3)
    expect(third.status).toBe(429)
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  it('behind a trusted proxy (TRUST_PROXY=1), limits by the address the proxy appended, not the ones the client wrote', async () => {
    const proxied = listen(collectFastPath(1))
    await new Promise((resolve) => proxied.once('listening', resolve))
    try {
      const url = `http://127.0.0.1:${(proxied.address() as AddressInfo).port}/api/collect`
      setWebIntakeLimits({ collectIp: [0.001, 1] })
      const via = (forwardedFor: string) =>
        fetch(url, {
          method: 'POST',
          body: JSON.stringify(event()),
          headers: { 'content-type': 'text/plain;charset=UTF-8', origin: ORIGIN, 'user-agent': CHROME, 'x-forwarded-for': forwardedFor },
        })
      expect((await via('10.0.0.1, 198.51.100.7')).status).toBe(200)
      // the same client, claiming another address before the proxy's entry
      expect((await via('10.9.9.9, 198.51.100.7')).status).toBe(429)
      // another client behind the same proxy has its own allowance
      expect((await via('10.0.0.1, 198.51.100.8')).status).toBe(200)
    } finally {
      await new Promise((resolve) => proxied.close(resolve))
    }
  })

  it('leaves every other request to the rest of the server (the CORS preflight goes to the route)', async () => {
    const preflight = await fetch(`${base}/api/collect`, { method: 'OPTIONS', headers: { origin: ORIGIN } })
    expect(await preflight.text()).toBe('not the fast path')
  })
})
