/// <reference types="vite/client" />
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { flatRoutes } from '@remix-run/dev/dist/config/flat-routes.js'
import { createRequestHandler } from '@remix-run/express'
import type { ServerBuild } from '@remix-run/node'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { sites } from '../db/schema'
import * as entry from '../app/entry.server'
import * as rootModule from '../app/root'
// @ts-expect-error -- the Remix config is plain JavaScript without types
import remixConfig from '../remix.config.js'
import { createGroup, createStore, createUser, signIn, type Browser } from './factories'

/**
 * Requests over HTTP through Express and Remix's own request handler, put together as
 * server.js does: what Remix does before any route runs (its Origin check on form posts)
 * and how the error page shows a refusal. The build is made here from the sources (flat
 * routes, as `remix build` reads them), so no `npm run build` is needed.
 */

const routeModules = import.meta.glob<ServerBuild['routes'][string]['module']>(['../app/routes/*.{ts,tsx}', '!../app/routes/*.test.{ts,tsx}'], {
  eager: true,
})

function sourceBuild(entryModule: object = entry): ServerBuild {
  const manifest = flatRoutes(path.resolve('app'), remixConfig.ignoredRouteFiles)
  const routes: ServerBuild['routes'] = { root: { id: 'root', path: '', module: rootModule } }
  for (const route of Object.values(manifest)) {
    const module = routeModules[`../app/${route.file}`]
    if (!module) throw new Error(`no module for ${route.file}`)
    routes[route.id] = { id: route.id, parentId: route.parentId, path: route.path, index: route.index, caseSensitive: route.caseSensitive, module }
  }
  const assetRoutes = Object.fromEntries(
    Object.values(routes).map((r) => [
      r.id,
      {
        id: r.id,
        parentId: r.parentId,
        path: r.path,
        index: r.index,
        module: `/build/${r.id}.js`,
        imports: [],
        hasAction: Boolean(r.module.action),
        hasLoader: Boolean(r.module.loader),
        hasClientAction: false,
        hasClientLoader: false,
        hasErrorBoundary: Boolean(r.module.ErrorBoundary),
      },
    ]),
  )
  return {
    mode: 'production',
    entry: { module: entryModule as unknown as ServerBuild['entry']['module'] },
    routes,
    assets: { entry: { imports: [], module: '/build/entry.client.js' }, routes: assetRoutes, url: '/build/manifest.js', version: 'test' },
    publicPath: '/build/',
    assetsBuildDirectory: 'public/build',
    future: { ...remixConfig.future, v3_routeConfig: false, unstable_optimizeDeps: false },
    isSpaMode: false,
  }
}

/** An HTTP server like server.js's; `handOver: false` leaves out the app's middleware. */
function serve(options: { handOver: boolean }) {
  const app = express()
  if (options.handOver) app.use(entry.handOverOrigin)
  // the bare server's 500s are expected: they are not logged
  const build = options.handOver ? sourceBuild() : sourceBuild({ ...entry, handleError: () => {} })
  app.all('*', createRequestHandler({ build, mode: 'production' }))
  const server = app.listen(0, '127.0.0.1')
  return server
}

const servers = { app: serve({ handOver: true }), bare: serve({ handOver: false }) }
const base = (which: keyof typeof servers) => `http://127.0.0.1:${(servers[which].address() as AddressInfo).port}`
afterAll(() => Object.values(servers).forEach((s) => s.close()))

function handle(request: Request, which: keyof typeof servers = 'app') {
  const url = new URL(request.url)
  return fetch(`${base(which)}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual', duplex: 'half' } as RequestInit)
}

const SITE = 'https://www.store.test'
let manager: Browser
let anonymous: Browser

beforeAll(async () => {
  const group = await createGroup()
  const store = await createStore(group.id)
  manager = await signIn((await createUser(group.id, 'manager', [store.id])).id)
  anonymous = { cookie: 'rs_csrf=anonymous-browser-token-0123456789abcdefghijklmno', csrf: 'anonymous-browser-token-0123456789abcdefghijklmno' }
  const db = await getDb()
  await db.insert(sites).values({ storeId: store.id, name: '官网', siteKey: 'site_handler_0001', origins: [SITE] })
})

function formPost(pathname: string, fields: Record<string, string>, browser: Browser, headers: Record<string, string> = {}) {
  return new Request(`http://localhost${pathname}`, {
    method: 'POST',
    body: new URLSearchParams({ csrf: browser.csrf, ...fields }),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookie, 'accept-language': 'en', ...headers },
  })
}

const login = { email: 'nobody@example.test', password: 'not-the-password' }

describe('a form post from another site, through the request handler', () => {
  it('answers 403 with the error page, where Remix alone answers a bare 500', async () => {
    const crossSite = () => formPost('/login', login, anonymous, { origin: 'https://evil.example' })
    const res = await handle(crossSite())
    expect(res.status).toBe(403)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    expect(html).toContain('<section class="error-page" role="alert">')
    expect(html).toContain('Cross-site request refused')
    // what the middleware is for: Remix's own check runs before any route and has no page to show
    const bare = await handle(crossSite(), 'bare')
    expect(bare.status).toBe(500)
    expect(await bare.text()).toBe('')
  })

  it('answers 403 to a script (single fetch) and to an Origin that is no URL', async () => {
    expect((await handle(formPost('/login.data', login, anonymous, { origin: 'https://evil.example' }))).status).toBe(403)
    expect((await handle(formPost('/login', login, anonymous, { origin: 'not a url' }))).status).toBe(403)
    expect((await handle(formPost('/login', login, anonymous, { origin: 'null' }))).status).toBe(401)
  })

  it('lets our own pages post as before, and refuses a forged hand-over header', async () => {
    const own = await handle(formPost('/login', login, anonymous, { origin: base('app') }))
    expect(own.status).toBe(401)
    // a client cannot pass its own Origin off as ours
    const forged = await handle(formPost('/login', login, anonymous, { origin: 'https://evil.example', 'x-roadshow-origin': base('app') }))
    expect(forged.status).toBe(403)
  })

  it('still gives a store website its CORS answer (the Origin reaches /api/collect)', async () => {
    const event = { siteKey: 'site_handler_0001', visitorId: 'v0123456789abcdef', eventId: 'e0123456789abcdef', type: 'pageview', url: `${SITE}/models?utm_source=douyin` }
    const res = await handle(
      new Request('http://localhost/api/collect', {
        method: 'POST',
        body: JSON.stringify(event),
        headers: { origin: SITE, 'content-type': 'text/plain;charset=UTF-8', 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148' },
      }),
    )
    expect(res.status).toBeLessThan(300)
    expect(res.headers.get('access-control-allow-origin')).toBe(SITE)
  })
})

describe('a bad query string, through the request handler', () => {
  it('answers 400 with the error page naming the field, in the user’s language', async () => {
    const get = (search: string, language: string) =>
      handle(new Request(`http://localhost/campaigns${search}`, { headers: { cookie: manager.cookie, 'accept-language': language } }))
    const en = await get('?from=2026-02-30&to=2026-13-45&page=0', 'en')
    expect(en.status).toBe(400)
    const html = await en.text()
    expect(html).toContain('This request cannot be used')
    expect(html).toContain('from: Enter a date (YYYY-MM-DD).')
    expect(html).toContain('to: Enter a date (YYYY-MM-DD).')
    expect(html).toContain('page: Enter a whole number from 1 to 10000.')
    const zh = await (await get('?from=2026-02-30', 'zh-CN')).text()
    expect(zh).toContain('from：请输入日期（年-月-日）。')
  })

  it('answers a download with the same text', async () => {
    const res = await handle(new Request('http://localhost/leads/export.csv?to=2026-13-45', { headers: { cookie: manager.cookie, 'accept-language': 'en' } }))
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('text/plain')
    expect(await res.text()).toBe('to: Enter a date (YYYY-MM-DD).')
  })
})

describe('what a browser or a proxy may keep, through the request handler', () => {
  const getAs = (pathname: string, browser?: Browser) =>
    handle(new Request(`http://localhost${pathname}`, { headers: browser ? { cookie: browser.cookie } : {} }))

  it('keeps no page and no page’s data: signed in, signed out, or sent on to sign in', async () => {
    for (const pathname of ['/leads', '/leads.data', '/campaigns', '/_root.data', '/login']) {
      const res = await getAs(pathname, pathname === '/login' ? undefined : manager)
      expect(res.status, pathname).toBe(200)
      expect(res.headers.get('cache-control'), pathname).toBe('private, no-store')
      await res.arrayBuffer()
    }
    // a single-fetch redirect to the sign-in page, and a page that is not there
    for (const [pathname, status] of [['/leads.data', 202], ['/no-such-page', 404]] as const) {
      const res = await getAs(pathname, pathname === '/leads.data' ? undefined : manager)
      expect(res.status, pathname).toBe(status)
      expect(res.headers.get('cache-control'), pathname).toBe('private, no-store')
      await res.arrayBuffer()
    }
  })

  it('leaves the tracking redirect and the downloads to their own headers', async () => {
    const gone = await getAs('/r/zzzzzzzz')
    expect(gone.status).toBe(404)
    expect(gone.headers.get('cache-control')).toBe('no-store')
    await gone.arrayBuffer()
    const csv = await getAs('/leads/export.csv', manager)
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(csv.headers.get('cache-control')).toBe('no-store')
    await csv.arrayBuffer()
  })
})
