import fs from 'node:fs'
import autocannon from 'autocannon'
import postgres from 'postgres'
import { openPostgres } from '../db/client'
import { ensureBuild } from './bench-lead-import'
import { newEventId, registerSite, SITE_ORIGIN, UNLIMITED_COLLECT_ENV, VISITOR_AGENT } from '../test/e2e/collect-load'
import { makeDataDir, spawnServer, type ServerProcess } from '../test/e2e/harness'
import { sampleRss, serverPeaks } from './lib/rss'

/**
 * SPEC §7 / §8, POST /api/collect at scale: the production server (`node server.js`) on a
 * fresh database of the Postgres server, loaded from this process over loopback by
 * autocannon (a second process: the server's CPU is its own). Every request carries new
 * event ids; what was answered 2xx is then looked up in the database, so the run also proves
 * that every acknowledged event is stored exactly once.
 *
 *   paced    single-event requests at the target rate (5,000/s): is it sustained, at what p99
 *   most     single-event requests as fast as the server answers 64 connections
 *   batched  20-event requests (rs.js sends its queue in one), as fast as it answers
 */

export type CollectRun = {
  name: string
  /** requests answered per second (all statuses) */
  requestsPerSecond: number
  eventsPerSecond: number
  p50: number
  p99: number
  max: number
  sent: number
  acknowledged: number
  /** acknowledged events found in the database (each id is unique there by its index) */
  stored: number
  /** requests answered otherwise than 2xx, or not answered */
  failed: number
}

export const COLLECT_TARGET = { requestsPerSecond: 5_000, p99Ms: 50 } as const

type Load = { name: string; events: number; connections: number; rate?: number; seconds: number }

export async function benchCollect(options: { adminUrl: string; small: boolean; say: (text: string) => void }): Promise<CollectRun[]> {
  ensureBuild()
  const dbName = `roadshow_bench_collect`
  const admin = postgres(options.adminUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`)
    await admin.unsafe(`create database ${dbName}`)
  } finally {
    await admin.end({ timeout: 5 })
  }
  const url = new URL(options.adminUrl)
  url.pathname = `/${dbName}`
  const databaseUrl = url.toString()
  const handle = openPostgres(databaseUrl, { max: 1 })
  let site: { siteId: string; siteKey: string }
  try {
    await handle.migrate()
    site = await registerSite(handle.db)
  } finally {
    await handle.close()
  }
  const dataDir = makeDataDir()
  let server: ServerProcess | undefined
  const runs: CollectRun[] = []
  try {
    // BENCH_PROFILE_DIR: the server's CPU profile is written there when it stops (where the time goes)
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []
    server = await spawnServer({ dataDir, nodeFlags: profile, env: { DATABASE_URL: databaseUrl, SEED_DEMO: 'false', LOG_LEVEL: 'warn', ...UNLIMITED_COLLECT_ENV } })
    const rss = sampleRss(server.child.pid)
    await waitUntilAnswering(server)
    const seconds = options.small ? 4 : 20
    // the site in the server's cache, its code optimised, the database's pages in memory
    await load(server.url, site.siteKey, { name: 'warm-up', events: 1, connections: 32, seconds: options.small ? 2 : 5 })
    const loads: Load[] = [
      { name: 'paced', events: 1, connections: 100, rate: COLLECT_TARGET.requestsPerSecond, seconds },
      { name: 'most', events: 1, connections: 64, seconds },
      { name: 'batched', events: 20, connections: 16, seconds },
    ]
    for (const l of loads) {
      options.say(`… POST /api/collect, ${l.name}: ${l.events} event(s) a request, ${l.connections} connections${l.rate ? `, ${l.rate}/s` : ''}, ${l.seconds} s`)
      const run = await load(server.url, site.siteKey, l)
      run.stored = await countStored(databaseUrl, site.siteId, run)
      options.say(`  ${Math.round(run.requestsPerSecond)} requests/s, ${Math.round(run.eventsPerSecond)} events/s, p99 ${run.p99} ms; ${run.acknowledged} acknowledged, ${run.stored} of them stored, ${run.failed} not answered 2xx`)
      runs.push(run)
    }
    serverPeaks.push({ step: 'POST /api/collect under load', bytes: rss.stop() })
  } finally {
    if (server) {
      server.child.kill('SIGTERM')
      await server.exited
    }
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
  return runs
}

async function waitUntilAnswering(server: ServerProcess) {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`the server stopped: ${server.output().slice(-2000)}`)
    try {
      if ((await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('the server did not answer within 2 minutes')
}

type Context = { ids?: string[] }

/** One autocannon run; the ids of the events answered 2xx are kept for the count in the database. */
async function load(baseUrl: string, siteKey: string, l: Load): Promise<CollectRun & { ackedIds: string[] }> {
  const ackedIds: string[] = []
  let sent = 0
  let failed = 0
  const visitor = `v${newEventId()}`
  const result = await autocannon({
    url: baseUrl,
    connections: l.connections,
    duration: l.seconds,
    overallRate: l.rate,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: '/api/collect',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: SITE_ORIGIN, 'user-agent': VISITOR_AGENT },
        setupRequest: (request, context: Context) => {
          const ids = Array.from({ length: l.events }, newEventId)
          context.ids = ids
          sent += ids.length
          const events = ids.map((eventId, i) => ({
            siteKey,
            visitorId: visitor,
            eventId,
            type: 'pageview',
            url: `${SITE_ORIGIN}/models/tiguan-l?utm_source=baidu&utm_medium=cpc&utm_campaign=autumn&n=${i}`,
            referrer: 'https://www.baidu.com/',
          }))
          return { ...request, body: JSON.stringify(l.events === 1 ? events[0] : events) }
        },
        onResponse: (status, _body, context: Context) => {
          if (status >= 200 && status < 300) ackedIds.push(...(context.ids ?? []))
          else failed++
        },
      },
    ],
  })
  failed += result.errors + result.timeouts
  const requests = result.requests.total
  return {
    name: l.name,
    requestsPerSecond: requests / (result.duration || l.seconds),
    eventsPerSecond: ackedIds.length / (result.duration || l.seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    sent,
    acknowledged: ackedIds.length,
    stored: 0,
    failed,
    ackedIds,
  }
}

/** How many of the acknowledged events the database holds (the unique index keeps one row per id). */
async function countStored(databaseUrl: string, siteId: string, run: { ackedIds: string[] }) {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  try {
    let stored = 0
    for (let i = 0; i < run.ackedIds.length; i += 50_000) {
      const ids = run.ackedIds.slice(i, i + 50_000)
      const [row] = await sql<{ n: string }[]>`select count(*) as n from web_events where site_id = ${siteId} and client_event_id = any(${ids})`
      stored += Number(row!.n)
    }
    return stored
  } finally {
    await sql.end({ timeout: 5 })
  }
}
