// Production server: Express in front of the Remix build, with structured request
// logs, a request id, static assets and graceful shutdown.
import crypto from 'node:crypto'
import http from 'node:http'
import { createRequestHandler } from '@remix-run/express'
import compression from 'compression'
import express from 'express'

const build = await import('./build/index.js')
const mode = process.env.NODE_ENV ?? 'production'
const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '0.0.0.0'

function logLine(level, msg, fields) {
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })
  ;(level === 'error' ? process.stderr : process.stdout).write(line + '\n')
}

try {
  await build.entry.module.startup()
} catch (error) {
  logLine('error', 'startup failed', { error: error instanceof Error ? error.message : String(error) })
  process.exit(1)
}

const app = express()
app.disable('x-powered-by')
// TRUST_PROXY, validated by the app (app/utils/env.server.ts): false, a hop count or proxy
// addresses, never "trust everyone", which would let a client write its own address
const trustProxy = build.entry.module.trustProxy
if (trustProxy !== false) app.set('trust proxy', trustProxy)
app.use(compression())

app.use((req, res, next) => {
  const started = process.hrtime.bigint()
  // a proxy's request id is kept when it looks like one; anything else is replaced
  const given = req.get('x-request-id')
  const requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : crypto.randomUUID()
  req.headers['x-request-id'] = requestId
  // the app reads the client address from here (honours TRUST_PROXY via req.ip)
  req.headers['x-roadshow-client-ip'] = req.ip ?? 'unknown'
  res.setHeader('X-Request-Id', requestId)
  // over https, browsers are told to stay on https (req.secure honours TRUST_PROXY)
  if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains')
  // background work on the embedded database waits while requests are in flight (ADR 019)
  build.entry.module.requestStarted()
  res.once('close', () => build.entry.module.requestEnded())
  res.on('finish', () => {
    if (req.path.startsWith('/build/')) return
    logLine(res.statusCode >= 500 ? 'error' : 'info', 'request', {
      requestId,
      method: req.method,
      // no phone or name typed into an address reaches the log (SPEC §8)
      path: build.entry.module.requestLogPath(req.path),
      status: res.statusCode,
      ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      bytes: Number(res.getHeader('content-length') ?? 0) || undefined,
    })
  })
  next()
})

app.use('/build', express.static('public/build', { immutable: true, maxAge: '1y' }))
app.use(express.static('public', { maxAge: '1h' }))
// a form post's Origin goes to the app's own CSRF check (403 and the error page), not to
// Remix's, which answers a cross-site one with a bare 500 (app/utils/csrf.server.ts)
app.use(build.entry.module.handOverOrigin)
app.all('*', createRequestHandler({ build, mode }))

// a store website's beacons, thousands a second: answered by Node's own server before Express,
// compression, the request log and Remix (docs/decisions/030-collect-fast-path.md), with the
// same checks as the route
const collectFast = build.entry.module.collectFastPath(trustProxy)
const server = http.createServer((req, res) => {
  if (!collectFast(req, res)) app(req, res)
})
server.listen(port, host, () => {
  logLine('info', 'listening', { url: `http://localhost:${port}`, mode })
  // `npm run dev`: tell remix dev that the rebuilt app is up
  if (mode === 'development') import('@remix-run/node').then(({ broadcastDevReady }) => broadcastDevReady(build))
})

let stopping = false
async function stop(signal) {
  if (stopping) return
  stopping = true
  logLine('info', 'shutting down', { signal })
  server.close()
  await build.entry.module.shutdown().catch((error) => {
    logLine('error', 'shutdown failed', { error: error instanceof Error ? error.message : String(error) })
  })
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
