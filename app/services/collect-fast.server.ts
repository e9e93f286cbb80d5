import type { IncomingMessage, ServerResponse } from 'node:http'
import proxyaddr from 'proxy-addr'
import type { TrustProxy } from '../utils/env.server'
import { describeError, log } from '../utils/logger.server'
import { requestEnded, requestStarted } from '../utils/foreground.server'
import { BodyError, collect, decodeBody, type PlainReply } from './web-intake.server'

/**
 * POST /api/collect answered straight from Node's request (ADR 030): server.js hands it here
 * before Express's other middleware and Remix, which cost ten times the endpoint's own work per beacon (a Fetch
 * Request and Response made of Node's, the router, the request log line, compression). The
 * same `collect` as the Remix route (app/routes/api.collect.ts, which still answers the
 * CORS preflight), so every check and guarantee of the endpoint holds on both ways in.
 */
/**
 * server.js's first look at every request: POST /api/collect is answered here (true), before
 * Express is entered at all; anything else (false) goes on to Express. Any other spelling of
 * the path (a trailing slash, capitals) reaches the Remix route, with the same answers. The
 * client's address is read as Express's `req.ip` reads it under the same TRUST_PROXY: the
 * connection's, or the rightmost X-Forwarded-For entry a trusted proxy appended.
 */
export function collectFastPath(trustProxy: TrustProxy): (req: IncomingMessage, res: ServerResponse) => boolean {
  const trusted = trustProxy === false ? null : typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : proxyaddr.compile(trustProxy)
  // no proxy trusted: the connection's own address, without parsing an X-Forwarded-For nobody reads
  const clientIp = trusted ? (req: IncomingMessage) => proxyaddr(req, trusted) : (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown'
  return (req, res) => {
    if (req.method !== 'POST' || !(req.url === '/api/collect' || req.url?.startsWith('/api/collect?'))) return false
    collectFromNode(req, res, clientIp(req))
    return true
  }
}

export function collectFromNode(req: IncomingMessage, res: ServerResponse, clientIp: string) {
  requestStarted()
  res.once('close', requestEnded)
  collect({
    origin: header(req, 'origin'),
    contentType: header(req, 'content-type'),
    userAgent: header(req, 'user-agent'),
    clientIp,
    readBody: (cap) => readNodeBody(req, cap),
  }).then(
    (reply) => send(res, reply),
    (error: unknown) => {
      log('error', 'collect failed', { error: describeError(error) })
      send(res, { status: 500, headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, body: '{"ok":false,"error":"internal","message":"Events not stored; send them again shortly."}' })
    },
  )
  tally.requests++
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name]
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v
}

/** The body, refusing (413) more than `cap` bytes without reading past them. */
function readNodeBody(req: IncomingMessage, cap: number): Promise<string> {
  const tooLarge = () => new BodyError(413, 'body_too_large', `The body is larger than ${cap} bytes.`)
  const declared = Number(req.headers['content-length'] ?? '')
  if (Number.isFinite(declared) && declared > cap) return Promise.reject(tooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > cap) {
        // the rest is left unread: the answer closes the connection
        req.off('data', onData)
        req.pause()
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => {
      try {
        resolve(decodeBody(chunks))
      } catch (error) {
        reject(error)
      }
    })
    // the client went away before the end (a closed tab, a reset): nothing to answer, nothing stored
    const incomplete = () => reject(new BodyError(400, 'body_incomplete', 'The body ended before its end.'))
    req.once('error', incomplete)
    req.once('close', () => {
      if (!req.readableEnded) incomplete()
    })
  })
}

function send(res: ServerResponse, reply: PlainReply) {
  if (res.headersSent || res.destroyed) return
  tally.byStatus.set(reply.status, (tally.byStatus.get(reply.status) ?? 0) + 1)
  const headers: Record<string, string | number> = { ...reply.headers }
  if (reply.body !== null) headers['Content-Length'] = Buffer.byteLength(reply.body)
  res.writeHead(reply.status, headers)
  res.end(reply.body ?? undefined)
}

/**
 * Beacons are not logged one line each (thousands a second would be most of the log and of
 * the endpoint's time): a line a minute counts them by status, when there were any.
 */
const tally = { requests: 0, byStatus: new Map<number, number>() }
const TALLY_MS = 60_000
setInterval(() => {
  if (!tally.requests) return
  log('info', 'collect requests', { requests: tally.requests, statuses: Object.fromEntries(tally.byStatus), seconds: TALLY_MS / 1000 })
  tally.requests = 0
  tally.byStatus.clear()
}, TALLY_MS).unref()
