import crypto from 'node:crypto'
import { PassThrough } from 'node:stream'
import type { ActionFunctionArgs, EntryContext, LoaderFunctionArgs } from '@remix-run/node'
import { createReadableStreamFromReadable } from '@remix-run/node'
import { isRouteErrorResponse, RemixServer } from '@remix-run/react'
import { isbot } from 'isbot'
import { renderToPipeableStream } from 'react-dom/server'
import { getDbHandle } from '../db/client'
import { seedDemoIfEmpty } from '../db/seed'
import { startAnalyticsSync, stopAnalyticsSync } from './services/analytics.server'
import { getCollector } from './services/collector.server'
import { startHousekeeping, stopHousekeeping } from './services/housekeeping.server'
import { startJobRunner, stopJobRunner } from './services/jobs-runner.server'
import { failInterruptedImports } from './services/lead-import.server'
import { failInterruptedSalesImports } from './services/sales-import.server'
import { failInterruptedObservationImports } from './services/observation-import.server'
// registers the sales_import job kind with the runner (ADR 014)
import { queueSeedSalesImports } from './services/sales-import-job.server'
import { queueSeedMarketImports } from './services/market-import-job.server'
// registers the lead-platform import's job kind
import './services/lead-import-job.server'
// registers the market-data import's job kind
import './services/market-import-job.server'
// registers the competitor-observation import's job kind
import './services/observation-import-job.server'
import './services/kept-file-erasure.server'
import { getEnv } from './utils/env.server'
import { NonceProvider } from './utils/nonce'
import { describeError, log } from './utils/logger.server'
import { hashPassword } from './utils/password.server'
import { checkPhoneHashKey, hashPhone } from './utils/phone-hash.server'
import { deriveUtm } from './utils/utm'

// Fail at start, not on the first request, when the environment is wrong.
const env = getEnv()

export const streamTimeout = 5000

/** server.js hands this to Express's `trust proxy` (see TRUST_PROXY in README). */
export const trustProxy = env.TRUST_PROXY

/** server.js puts this in front of Remix's request handler: a cross-site form post gets our 403 page, not Remix's bare 500. */
export { handOverOrigin } from './utils/csrf.server'
// server.js counts the requests in flight: background work makes way for them (ADR 019)
export { requestEnded, requestStarted } from './utils/foreground.server'
// POST /api/collect, answered by server.js before Express's other middleware and Remix (ADR 030)
export { collectFastPath } from './services/collect-fast.server'

/**
 * Called by server.js before it listens: opens and migrates the database and, on an
 * empty embedded database, seeds the demo dealer group.
 */
export async function startup() {
  const handle = await getDbHandle()
  // every server of an installation hashes phones with one key (ADR 031)
  await checkPhoneHashKey(handle.db)
  const seed = env.SEED_DEMO === 'auto' ? handle.kind === 'pglite' : env.SEED_DEMO === 'true'
  if (seed) {
    const seeded = await seedDemoIfEmpty(handle.db, { hashPassword, hashPhone, deriveUtm })
    if (seeded) {
      // the sales exports hold names and phones: only the counts are logged
      const { salesExports, marketExports, specialistId, ...counts } = seeded
      log('info', 'demo data seeded', counts)
      await queueSeedSalesImports(salesExports, specialistId)
      await queueSeedMarketImports(marketExports, specialistId)
    }
  }
  log('info', 'database ready', { kind: handle.kind })
  // imports a killed process left running (导入中) are marked failed, with the reason, and can be retried
  await failInterruptedImports()
  await failInterruptedSalesImports({ atStart: true })
  await failInterruptedObservationImports()
  startHousekeeping()
  // background jobs (imports): the embedded database has one process, so whatever it left running is dead
  await startJobRunner({ concurrency: env.JOB_CONCURRENCY, recoverAll: handle.kind === 'pglite', startDelayMs: env.JOB_START_DELAY_S * 1000 })
  // the analytical copy (DuckDB) follows Postgres in the background (ADR 013)
  startAnalyticsSync()
  return handle
}

/** Called by server.js on SIGTERM/SIGINT, after it stops accepting connections. */
export async function shutdown() {
  stopHousekeeping()
  // running jobs are asked to stop and queued again for the next start
  await stopJobRunner()
  // answer every beacon already accepted (written, or refused with 503) before the database closes
  await getCollector().drain()
  await stopAnalyticsSync()
  const handle = await getDbHandle()
  await handle.close()
}

export function handleError(error: unknown, args?: LoaderFunctionArgs | ActionFunctionArgs) {
  // Remix calls this without a request for its own warnings (a `?_data=` request): a client's
  // doing, not a fault of ours, and cheap to repeat, so it must not fill the error log
  if (!args) return log('debug', 'request framework warning', { error: describeError(error) })
  const { request } = args
  if (request.signal.aborted) return
  // thrown Responses and Remix's own 4xx answers (no such route, method not allowed) are answers, not faults
  if (error instanceof Response || isRouteErrorResponse(error)) return
  log('error', 'unhandled error', {
    method: request.method,
    url: new URL(request.url).pathname,
    requestId: request.headers.get('x-request-id'),
    error: describeError(error),
  })
}

/**
 * Defence in depth against injected scripts: only our own files and Remix's scripts that
 * carry this response's nonce run; inline style attributes stay allowed (the charts and a
 * few layouts use them). A route may have set `frame-ancestors` (the embeddable lead form);
 * it is kept, and everything else is framed by nobody.
 */
export function contentSecurityPolicy(nonce: string, fromRoute: string | null) {
  const frameAncestors = /frame-ancestors[^;]*/.exec(fromRoute ?? '')?.[0] ?? "frame-ancestors 'none'"
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    frameAncestors,
  ].join('; ')
}

/**
 * Every page and every page's data (`.data`) is someone's: signed in, a lead's phone or a
 * campaign's budget; signed out, the sign-in form's CSRF token and this response's nonce. None
 * may be kept by a shared proxy or by the browser's cache for the back button of the next
 * person at the showroom PC. Resource routes (downloads, QR codes, the tracking redirect,
 * /api/*) and the static files (the snippet, the build) never come through here: they set
 * their own.
 */
const PAGE_CACHE_CONTROL = 'private, no-store'

/** Remix calls this with every `.data` response (single fetch), redirects included. */
export function handleDataRequest(response: Response) {
  try {
    response.headers.set('Cache-Control', PAGE_CACHE_CONTROL)
    return response
  } catch {
    // a Response whose headers are immutable (Response.redirect): the same answer, copied
    const headers = new Headers(response.headers)
    headers.set('Cache-Control', PAGE_CACHE_CONTROL)
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
  }
}

const UUID_IN_PATH = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i
/** 7 or more digits in a row, however spaced or dashed: a phone number typed into an address */
const DIGITS_IN_PATH = /\+?\d(?:[\s.-]?\d){6,}/g

/**
 * The path as server.js's request log writes it: logs hold no personal data (SPEC §8). A phone
 * number typed into an address (/leads/13812345678) is blanked as the app's logger blanks
 * digit runs, and text beyond ASCII (a name: /张三-138…) is left out, percent-encoded or not.
 * Record ids (uuids) stay whole, so a request can still be followed.
 */
export function requestLogPath(path: string) {
  let decoded = path
  try {
    decoded = decodeURIComponent(path)
  } catch {
    // a malformed escape: the raw path, whose %xx are ASCII
  }
  return decoded
    .split(UUID_IN_PATH)
    .map((part, i) => (i % 2 ? part : part.replace(/[^\x20-\x7e]+/g, '[text]').replace(DIGITS_IN_PATH, '[number]')))
    .join('')
}

export default function handleRequest(
  request: Request,
  responseStatusCode: number,
  responseHeaders: Headers,
  remixContext: EntryContext,
) {
  const waitForAll = isbot(request.headers.get('user-agent') ?? '') || remixContext.isSpaMode
  const nonce = crypto.randomBytes(16).toString('base64')
  return new Promise((resolve, reject) => {
    let shellRendered = false
    const { pipe, abort } = renderToPipeableStream(
      <NonceProvider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={streamTimeout} nonce={nonce} />
      </NonceProvider>,
      {
        nonce,
        [waitForAll ? 'onAllReady' : 'onShellReady']() {
          shellRendered = true
          const body = new PassThrough()
          responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
          responseHeaders.set('Cache-Control', PAGE_CACHE_CONTROL)
          responseHeaders.set('X-Content-Type-Options', 'nosniff')
          responseHeaders.set('Referrer-Policy', 'strict-origin-when-cross-origin')
          responseHeaders.set('Content-Security-Policy', contentSecurityPolicy(nonce, responseHeaders.get('Content-Security-Policy')))
          // pages are not framed, except a route that names who may frame it (the lead form page)
          if (!/frame-ancestors (?!'none')/.test(responseHeaders.get('Content-Security-Policy') ?? '')) responseHeaders.set('X-Frame-Options', 'DENY')
          resolve(
            new Response(createReadableStreamFromReadable(body), {
              headers: responseHeaders,
              status: responseStatusCode,
            }),
          )
          pipe(body)
        },
        onShellError(error: unknown) {
          reject(error)
        },
        onError(error: unknown) {
          responseStatusCode = 500
          if (shellRendered) log('error', 'render error', { error: describeError(error) })
        },
      },
    )
    setTimeout(abort, streamTimeout + 1000)
  })
}
