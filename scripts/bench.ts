import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { finished } from 'node:stream/promises'
import postgres from 'postgres'
import { ATTRIBUTION_PARTS, type AttributionPart } from './bench-attribution'

/**
 * `npm run bench [-- --small] [-- --write]`: the measurements of SPEC §7 that the sales data
 * path owns, each against its named peer in the same run, on a fresh database of the Postgres
 * server (BENCH_DATABASE_URL names the server's maintenance database; default
 * postgres://postgres@127.0.0.1:5432/postgres) filled by `npm run gen`:
 *
 * - sales import of the group's CSV (GB18030, validation included) vs Postgres `COPY` of the
 *   same file into a table of text columns (no validation, no types: the fastest load there is);
 * - .xlsx sales import rate; lead-platform import rate;
 * - full rebuild of the analytical store from the server; incremental sync after 10k new
 *   touchpoints.
 *
 * `--small` runs the same at a scale that takes a minute or two (CI runs it so it never rots);
 * `--write` puts the results into docs/benchmarks.md (the full run's figures belong there).
 */

const SCALES = {
  full: { stores: 20, leads: 2_000_000, touchpoints: 20_000_000, sales: 1_000_000, xlsxRows: 100_000, platformLeads: 50_000 },
  // between the two: what an incremental sync costs as the copy grows, in a few minutes
  medium: { stores: 20, leads: 200_000, touchpoints: 2_000_000, sales: 100_000, xlsxRows: 5_000, platformLeads: 2_000 },
  small: { stores: 2, leads: 20_000, touchpoints: 200_000, sales: 20_000, xlsxRows: 5_000, platformLeads: 2_000 },
} as const

type Result = { name: string; value: number; unit: string; target?: string; peer?: { name: string; value: number; unit: string }; ratio?: number; pass?: boolean; note?: string }

function say(text: string) {
  process.stderr.write(`${text}\n`)
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<{ seconds: number; value: T }> {
  say(`… ${label}`)
  const started = performance.now()
  const value = await run()
  const seconds = (performance.now() - started) / 1000
  say(`  ${label}: ${seconds.toFixed(2)} s`)
  return { seconds, value }
}

/**
 * The file as COPY can take it: the title row, the header and the totals row left out (COPY
 * would refuse them). Read whole: the driver's COPY stream is fed in one piece, the way that
 * holds up (postgres.js' COPY streams stall under piecewise back-pressure).
 */
function dataLinesOnly(file: string) {
  const bytes = fs.readFileSync(file)
  // GB18030 keeps ASCII bytes as they are, so lines split on 0x0a safely
  let start = 0
  for (let seen = 0; seen < 2; seen++) start = bytes.indexOf(0x0a, start) + 1
  let end = bytes.length - 1
  while (end > 0 && (bytes[end] === 0x0a || bytes[end] === 0x0d)) end--
  end = bytes.lastIndexOf(0x0a, end) + 1
  return bytes.subarray(start, end)
}

function machine() {
  const cpus = os.cpus()
  return `${cpus.length} × ${cpus[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`
}

async function main() {
  const { values } = parseArgs({
    options: {
      small: { type: 'boolean', default: false },
      medium: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      keep: { type: 'boolean', default: false },
      reuse: { type: 'boolean', default: false },
      only: { type: 'string' },
    },
  })
  const size = values.small ? 'small' : values.medium ? 'medium' : 'full'
  if (values.only === 'collect') return onlyCollect(size === 'small', values.write)
  if (values.only !== undefined && (!values.reuse || values.write || !ATTRIBUTION_PARTS.includes(values.only as AttributionPart)))
    throw new Error(`--only ${ATTRIBUTION_PARTS.join('|')} runs one step of the attribution part again, with --reuse and without --write; --only collect runs the collect part alone`)
  if (values.reuse) return reuseKept(size, values.write, values.only as AttributionPart | undefined)
  const scale = SCALES[size]
  const seed = Number(values.seed)
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const dbName = `roadshow_bench_${size}`
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`drop database if exists ${dbName} with (force)`)
    await admin.unsafe(`create database ${dbName}`)
  } catch (error) {
    throw new Error(`The benchmark needs a Postgres server it may create a database on (BENCH_DATABASE_URL=${adminUrl}): ${(error as Error).message}`)
  } finally {
    await admin.end({ timeout: 5 })
  }
  const url = new URL(adminUrl)
  url.pathname = `/${dbName}`
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-bench-'))
  // the app's modules read these when first used
  process.env.DATABASE_URL = url.toString()
  process.env.DATA_DIR = dataDir
  process.env.LOG_LEVEL = 'warn'
  if (values.keep) rememberKept(size, { dataDir, databaseUrl: url.toString() })
  const results: Result[] = []
  const attribution: Result[] = []
  let serverVersion = 'server'
  const started = performance.now()
  let salesSeconds = 0
  let attributionSeconds = 0

  const { getDbHandle } = await import('../db/client')
  const { generate } = await import('./gen')
  const { keepImportFile } = await import('../app/services/import-files.server')
  const { runSalesImport } = await import('../app/services/sales-import.server')
  const { salesFileExt } = await import('../app/services/sales-import-job.server')
  const { importLeadFile } = await import('../app/services/lead-import.server')
  const { rebuildAnalytics } = await import('../analytics/sync/rebuild')
  const { syncAnalytics } = await import('../analytics/sync/sync')
  const { pgSource } = await import('../analytics/sync/source')
  const { AnalyticsDb } = await import('../analytics/duckdb')
  const handle = await getDbHandle()

  try {
    const gen = await timed('generate the data (npm run gen)', () =>
      generate({
        seed,
        stores: scale.stores,
        leads: scale.leads,
        touchpoints: scale.touchpoints,
        sales: scale.sales,
        matched: 0.6,
        masked: 0.3,
        'xlsx-rows': scale.xlsxRows,
        'platform-leads': scale.platformLeads,
        out: path.join(dataDir, 'gen'),
        'no-db': false,
        quiet: !process.env.BENCH_VERBOSE,
      }),
    )
    const manifest = gen.value
    // a database just loaded with millions of rows is not yet one that has run a while: its
    // autovacuum would read the new tables through the first measurements and its checkpoint
    // write them out meanwhile (at full scale both halved the first figures). Settled first.
    await timed('settle the database (VACUUM ANALYZE, CHECKPOINT)', async () => {
      const sql = (handle.db as unknown as { $client: postgres.Sql }).$client
      await sql.unsafe('vacuum (analyze)')
      // a role that may not checkpoint (not a superuser, no pg_checkpoint) leaves it to the server
      await sql.unsafe('checkpoint').catch(() => undefined)
    })
    const storeA = manifest.stores[0]!.id
    const storeB = manifest.stores[1 % manifest.stores.length]!.id

    // ---- sales import vs COPY ---------------------------------------------------------------
    const salesFile = manifest.files.salesAll
    const bytes = fs.statSync(salesFile).size
    const importFile = async (file: string, storeId: string) => {
      const content = fs.readFileSync(file)
      const ext = salesFileExt(content)
      const kept = await keepImportFile(content, ext)
      return runSalesImport({ storeId, fileHash: kept.hash, ext, fileName: path.basename(file), mapping: null, createdById: null })
    }
    const sales = await timed(`sales import, ${scale.sales.toLocaleString('en')} rows CSV`, () => importFile(salesFile, storeA))
    if (sales.value.imported !== scale.sales) throw new Error(`The sales import took ${sales.value.imported} of ${scale.sales} rows (${sales.value.rejected} rejected)`)
    const sql = postgres(url.toString(), { max: 1, onnotice: () => {} })
    let copySeconds: number
    try {
      const columns = Array.from({ length: 23 }, (_, i) => `c${i} text`).join(', ')
      await sql.unsafe(`create table bench_sales_copy (${columns})`)
      const copy = await timed('Postgres COPY of the same file', async () => {
        const writable = await sql.unsafe(`copy bench_sales_copy from stdin with (format csv, encoding 'GB18030')`).writable()
        writable.end(dataLinesOnly(salesFile))
        await finished(writable)
      })
      copySeconds = copy.seconds
      const [{ n }] = (await sql.unsafe('select count(*)::int as n from bench_sales_copy')) as unknown as [{ n: number }]
      serverVersion = String(((await sql.unsafe('show server_version')) as unknown as [{ server_version: string }])[0].server_version)
      if (n !== scale.sales) throw new Error(`COPY loaded ${n} rows`)
      await sql.unsafe('drop table bench_sales_copy')
    } finally {
      await sql.end({ timeout: 5 })
    }
    const salesRate = scale.sales / sales.seconds
    results.push({
      name: `Sales import, ${scale.sales.toLocaleString('en')}-row GB18030 CSV (${(bytes / 2 ** 20).toFixed(0)} MB), validation included`,
      value: Math.round(salesRate),
      unit: 'rows/s',
      target: '≥ 150,000 rows/s and ≥ 2.5× COPY',
      peer: { name: 'Postgres COPY of the same file into text columns', value: Math.round(scale.sales / copySeconds), unit: 'rows/s' },
      ratio: copySeconds / sales.seconds,
      pass: salesRate >= 150_000 && copySeconds / sales.seconds >= 2.5,
    })

    const xlsx = await timed(`sales import, ${manifest.files.xlsxRows.toLocaleString('en')} rows .xlsx`, () => importFile(manifest.files.salesXlsx, storeB))
    results.push({ name: `Sales import, ${manifest.files.xlsxRows.toLocaleString('en')}-row .xlsx`, value: Math.round(manifest.files.xlsxRows / xlsx.seconds), unit: 'rows/s' })

    const platformBytes = fs.readFileSync(manifest.files.platformLeads)
    const leads = await timed(`lead-platform import, ${scale.platformLeads.toLocaleString('en')} rows`, () =>
      importLeadFile({ storeId: manifest.files.platformStoreId, userId: null, platform: 'autohome', file: { bytes: platformBytes, fileName: 'leads-platform.csv' } }),
    )
    results.push({
      name: `Lead-platform import, ${scale.platformLeads.toLocaleString('en')} rows (GB18030 CSV), on the Postgres server into a store with the generated leads`,
      value: Math.round(scale.platformLeads / leads.seconds),
      unit: 'rows/s',
      target: '≥ 2,000 rows/s',
      pass: scale.platformLeads / leads.seconds >= 2000,
    })
    // the same export as a background job of the running server, on each database, with
    // /healthz and /api/collect asked all along
    const { benchLeadImportUnderLoad } = await import('./bench-lead-import')
    const ms = (v: number) => `${Math.round(v)} ms`
    const leadsDb = `${dbName}_leads`
    for (const where of ['embedded', 'server'] as const) {
      let databaseUrl: string | undefined
      if (where === 'server') {
        const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
        await admin.unsafe(`drop database if exists ${leadsDb} with (force)`)
        await admin.unsafe(`create database ${leadsDb}`)
        await admin.end({ timeout: 5 })
        const u = new URL(adminUrl)
        u.pathname = `/${leadsDb}`
        databaseUrl = u.toString()
      }
      const label = where === 'embedded' ? 'the embedded database (PGlite)' : 'the Postgres server'
      const underLoad = await timed(`lead-platform import as a job of the running server on ${label}, with /healthz and /api/collect asked all along`, () =>
        benchLeadImportUnderLoad({ file: manifest.files.platformLeads, rows: scale.platformLeads, databaseUrl }),
      )
      results.push({
        name: `Lead-platform import, ${scale.platformLeads.toLocaleString('en')} rows, as a background job of the running server on ${label}`,
        value: Math.round(scale.platformLeads / underLoad.value.seconds),
        unit: 'rows/s',
        target: '≥ 2,000 rows/s',
        pass: scale.platformLeads / underLoad.value.seconds >= 2000,
      })
      const { idle } = underLoad.value
      for (const [endpoint, l, before] of [
        ['GET /healthz', underLoad.value.healthz, idle.healthz],
        ['POST /api/collect (one event)', underLoad.value.collect, idle.collect],
      ] as const) {
        results.push({
          name: `${endpoint} meanwhile (${label}): p99 of ${l.count.toLocaleString('en')} requests (p50 ${ms(l.p50)}, max ${ms(l.max)}${l.failures ? `, ${l.failures} failed` : ''}; the same server just before the import: p50 ${ms(before.p50)}, p99 ${ms(before.p99)})`,
          value: Math.round(l.p99),
          unit: 'ms',
          target: '< 200 ms',
          pass: l.p99 < 200 && l.failures === 0,
        })
      }
      if (where === 'server') {
        const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
        await admin.unsafe(`drop database if exists ${leadsDb} with (force)`)
        await admin.end({ timeout: 5 })
      }
    }

    // ---- the analytical store ---------------------------------------------------------------
    const source = pgSource(handle)
    const file = path.join(dataDir, 'analytics', 'analytics.duckdb')
    fs.mkdirSync(path.dirname(file), { recursive: true })
    const rebuild = await timed(`full rebuild of the analytical store (${manifest.created.touchpoints.toLocaleString('en')} touchpoints)`, () =>
      rebuildAnalytics(source, { file, chunkRows: 200_000, memoryLimit: '2GB', threads: 2 }),
    )
    results.push({
      name: `Full rebuild of the analytical store from the Postgres server (${manifest.created.touchpoints.toLocaleString('en')} touchpoints, ${manifest.created.leads.toLocaleString('en')} leads)`,
      value: Math.round(rebuild.seconds * 10) / 10,
      unit: 's',
      target: size !== 'full' ? undefined : '≤ 120 s',
      pass: size !== 'full' ? undefined : rebuild.seconds <= 120,
    })

    const { loaderFor, TableWriter } = await import('./gen/load')
    const writer = new TableWriter(loaderFor(handle), 'touchpoints', ['store_id', 'kind', 'channel', 'visitor_key', 'at'])
    for (let i = 0; i < 10_000; i++) await writer.add([storeA, 'web_visit', 'search', `bench-${i}`, new Date().toISOString()])
    await writer.flush()
    const live = await AnalyticsDb.open({ path: fs.realpathSync(file), memoryLimit: '1GB', threads: 2 })
    try {
      const sync = await timed('incremental sync after 10,000 new touchpoints', () => syncAnalytics(live, source, { chunkRows: 200_000, tmpDir: path.join(dataDir, 'analytics', 'tmp') }))
      results.push({ name: 'Incremental sync after 10,000 new touchpoints', value: Math.round(sync.seconds * 100) / 100, unit: 's', target: '≤ 2 s', pass: sync.seconds <= 2 })

      // ---- matchback: its quality against the generator's truth, and what it costs ------------
      results.push(...(await benchMatchback({ manifest, importFile, live, source, handle, syncOptions: { chunkRows: 200_000, tmpDir: path.join(dataDir, 'analytics', 'tmp') } })))
      salesSeconds = (performance.now() - started) / 1000

      // ---- attribution and ROI on the same data ---------------------------------------------
      const { benchAttribution } = await import('./bench-attribution')
      const attributionStarted = performance.now()
      attribution.push(...(await benchAttribution({ manifest, handle, live, databaseUrl: url.toString(), dataDir })))
      attributionSeconds = (performance.now() - attributionStarted) / 1000
    } finally {
      await live.close()
    }
  } finally {
    await handle.close()
    if (!values.keep) fs.rmSync(dataDir, { recursive: true, force: true })
  }

  // ---- POST /api/collect: its own server and database, nothing of the data above ----------
  const collectStarted = performance.now()
  const collect = await collectResults(adminUrl, size === 'small')
  const collectSeconds = (performance.now() - collectStarted) / 1000

  // SPEC §7: every server of the run stayed under 1 GiB resident, each through its whole step
  const { serverPeaks } = await import('./lib/rss')
  const top = serverPeaks.reduce((a, b) => (b.bytes > a.bytes ? b : a), { step: '—', bytes: 0 })
  collect.push({
    name: `The servers' peak resident memory, of every server this run started (${serverPeaks.map((p) => `${p.step}: ${Math.round(p.bytes / 2 ** 20)} MiB`).join('; ')})`,
    value: Math.round(top.bytes / 2 ** 20),
    unit: 'MiB',
    target: '< 1,024 MiB',
    pass: top.bytes < 2 ** 30,
  })

  const command = `npm run bench${size === 'full' ? '' : ` -- --${size}`}`
  const report = render(results, command, salesSeconds, serverVersion)
  const attributionReport = render(attribution, command, attributionSeconds, serverVersion, 'the attribution part of')
  const collectReport = render(collect, command, collectSeconds, serverVersion, 'the collect part of')
  console.log(`${report}\n\n${attributionReport}\n\n${collectReport}`)
  if (values.write) {
    writeReport(report, 'sales-data')
    writeReport(attributionReport, 'attribution')
    writeReport(collectReport, 'collect')
  }
  const failed = [...results, ...attribution, ...collect].filter((r) => r.pass === false)
  if (failed.length) say(`${failed.length} target(s) missed: see the report.`)
}

/**
 * POST /api/collect at scale (SPEC §7, §8; scripts/bench-collect.ts): the sustained rate of
 * single-event requests and its p99 against the target, the most the server answers, and the
 * events a second of 20-event requests stores — each with every acknowledged event found
 * stored exactly once.
 */
async function collectResults(adminUrl: string, small: boolean): Promise<Result[]> {
  const { benchCollect, COLLECT_TARGET } = await import('./bench-collect')
  const runs = await benchCollect({ adminUrl, small, say })
  const by = (name: string) => runs.find((r) => r.name === name)!
  const paced = by('paced')
  const most = by('most')
  const batched = by('batched')
  const whole = (r: (typeof runs)[number]) => `${r.stored.toLocaleString('en')} of ${r.acknowledged.toLocaleString('en')} acknowledged events stored, each once`
  const round = (n: number) => Math.round(n)
  return [
    {
      name: `POST /api/collect, single-event requests offered at ${COLLECT_TARGET.requestsPerSecond.toLocaleString('en')}/s from a second process (Postgres server)`,
      value: round(paced.requestsPerSecond),
      unit: 'requests/s answered',
      target: `≥ ${COLLECT_TARGET.requestsPerSecond.toLocaleString('en')}/s`,
      pass: paced.requestsPerSecond >= COLLECT_TARGET.requestsPerSecond * 0.98 && paced.failed === 0,
      note: whole(paced),
    },
    { name: '… their p99 latency', value: paced.p99, unit: 'ms', target: `≤ ${COLLECT_TARGET.p99Ms} ms`, pass: paced.p99 <= COLLECT_TARGET.p99Ms },
    {
      name: '… every acknowledged event stored exactly once (all three loads)',
      value: runs.reduce((n, r) => n + r.stored, 0),
      unit: `of ${runs.reduce((n, r) => n + r.acknowledged, 0).toLocaleString('en')} acknowledged`,
      target: 'all',
      pass: runs.every((r) => r.stored === r.acknowledged),
    },
    { name: `POST /api/collect, single-event requests as fast as 64 connections get answers`, value: round(most.requestsPerSecond), unit: `requests/s (p99 ${most.p99} ms)`, note: whole(most) },
    { name: `POST /api/collect, 20-event requests (16 connections)`, value: round(batched.eventsPerSecond), unit: `events/s (p99 ${batched.p99} ms)`, note: whole(batched) },
  ]
}

async function onlyCollect(small: boolean, write: boolean) {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const started = performance.now()
  const collect = await collectResults(adminUrl, small)
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} })
  const [{ server_version: version }] = (await admin.unsafe('show server_version')) as unknown as [{ server_version: string }]
  await admin.end({ timeout: 5 })
  const report = render(collect, `npm run bench -- --only collect${small ? ' --small' : ''}`, (performance.now() - started) / 1000, version, 'the collect part of')
  console.log(report)
  if (write) writeReport(report, 'collect')
}

/** Where `--keep` left a run's data, for `--reuse` (the attribution part again, on the same data). */
const keptFile = (size: string) => path.join(os.tmpdir(), `roadshow-bench-${size}.json`)

function rememberKept(size: string, kept: { dataDir: string; databaseUrl: string }) {
  fs.writeFileSync(keptFile(size), JSON.stringify(kept))
  say(`Keeping the data directory ${kept.dataDir} and the database ${new URL(kept.databaseUrl).pathname.slice(1)} (npm run bench -- --reuse${size === 'full' ? '' : ` --${size}`} runs the attribution part on them again).`)
}

/**
 * `--reuse`: the attribution part again, on the data a `--keep` run left (the database and
 * the data directory with its analytical store), brought up to date by one sync first.
 */
async function reuseKept(size: keyof typeof SCALES, write: boolean, only?: AttributionPart) {
  if (!fs.existsSync(keptFile(size))) throw new Error(`No kept run to reuse: run npm run bench${size === 'full' ? '' : ` -- --${size}`} -- --keep first`)
  const kept = JSON.parse(fs.readFileSync(keptFile(size), 'utf8')) as { dataDir: string; databaseUrl: string }
  process.env.DATABASE_URL = kept.databaseUrl
  process.env.DATA_DIR = kept.dataDir
  process.env.LOG_LEVEL = 'warn'
  const { getDbHandle } = await import('../db/client')
  const { syncAnalytics } = await import('../analytics/sync/sync')
  const { pgSource } = await import('../analytics/sync/source')
  const { AnalyticsDb } = await import('../analytics/duckdb')
  const { benchAttribution } = await import('./bench-attribution')
  const manifest = JSON.parse(fs.readFileSync(path.join(kept.dataDir, 'gen', 'manifest.json'), 'utf8')) as Manifest
  const handle = await getDbHandle()
  const started = performance.now()
  let results: Result[] = []
  let serverVersion = 'server'
  try {
    serverVersion = String(((await (handle.db as unknown as { $client: postgres.Sql }).$client.unsafe('show server_version')) as unknown as [{ server_version: string }])[0].server_version)
    const file = path.join(kept.dataDir, 'analytics', 'analytics.duckdb')
    const syncOptions = { chunkRows: 200_000, tmpDir: path.join(kept.dataDir, 'analytics', 'tmp') }
    // a kept run stopped before its analytical store was made, or before each store's own export
    // was imported (the matchback part): made and imported now, as that run would have
    if (!fs.existsSync(file)) {
      const { rebuildAnalytics } = await import('../analytics/sync/rebuild')
      fs.mkdirSync(path.dirname(file), { recursive: true })
      await timed('rebuild the analytical store', () => rebuildAnalytics(pgSource(handle), { file, chunkRows: 200_000, memoryLimit: '2GB', threads: 2 }))
    }
    const { runSalesImport } = await import('../app/services/sales-import.server')
    const { salesFileExt } = await import('../app/services/sales-import-job.server')
    const { keepImportFile } = await import('../app/services/import-files.server')
    // an import of a file already imported changes nothing (SPEC §4), so each is simply asked for
    await timed(`each store's own export imported (${manifest.stores.length} Parquet files)`, async () => {
      for (const store of manifest.stores) {
        const content = fs.readFileSync(store.salesParquet)
        const ext = salesFileExt(content)
        const kept = await keepImportFile(content, ext)
        await runSalesImport({ storeId: store.id, fileHash: kept.hash, ext, fileName: path.basename(store.salesParquet), mapping: null, createdById: null })
      }
    })
    const live = await AnalyticsDb.open({ path: fs.realpathSync(file), memoryLimit: '1GB', threads: 2 })
    try {
      await timed('sync the kept analytical store', () => syncAnalytics(live, pgSource(handle), syncOptions))
      results = await benchAttribution({ manifest, handle, live, databaseUrl: kept.databaseUrl, dataDir: kept.dataDir, only })
    } finally {
      await live.close()
    }
  } finally {
    await handle.close()
  }
  const flag = size === 'full' ? '' : ` --${size}`
  const report = render(results, `npm run bench --${flag} --keep\`, then \`npm run bench -- --reuse${flag}`, (performance.now() - started) / 1000, serverVersion, 'the attribution part of')
  console.log(report)
  if (write) writeReport(report, 'attribution')
}

type Manifest = Awaited<ReturnType<(typeof import('./gen'))['generate']>>
type SalesImportResult = Awaited<ReturnType<(typeof import('../app/services/sales-import.server'))['runSalesImport']>>

/**
 * Matchback (SPEC §4, ADR 017) on the generated group: each store's own DMS export imported
 * into its store (Parquet), one sync, then sale_matches against truth.csv (the lead each sale
 * really came from; 30% of the exports' phones masked, some platform leads known only masked,
 * 10% of buyers named as 张先生 and 4% by another given name).
 *
 * - precision: of the sales matched without review, the share matched to their true lead;
 * - recall (auto): of the sales whose true lead has the same full number on both sides (the
 *   only ones the rules match without a person), the share matched to it without review;
 * - recall (auto + review): of the sales "matchable in principle" — a rule of SPEC §4 can
 *   find the true lead: the same full number, or the same masked number (one side known only
 *   masked) with agreeing names, exact or by surname — the share matched or put up for review
 *   with it. A masked number with another given name (张伟 / 张芳) is matchable by no rule, on
 *   purpose (ADR 017: a name alone is not a key): those sales are outside this count and are
 *   reported apart, as the share of all sales with a true lead that is matchable at all.
 *
 * Then the cost: the full refresh (every sale, as after a rebuild), and incremental syncs after
 * 10,000 new touchpoints — anonymous web traffic, and touches of known leads — each held to a
 * full refresh of the same data at the end. The sync after the imports matches the new files'
 * sales only (and says how many).
 */
async function benchMatchback(input: {
  manifest: Manifest
  importFile: (file: string, storeId: string) => Promise<SalesImportResult>
  live: import('../analytics/duckdb').AnalyticsDb
  source: import('../analytics/sync/source').PgSource
  handle: import('../db/client').DbHandle
  syncOptions: { chunkRows: number; tmpDir: string }
}): Promise<Result[]> {
  const { manifest, importFile, live, source, handle, syncOptions } = input
  const { syncAnalytics } = await import('../analytics/sync/sync')
  const { refreshSaleMatches, nameAgreementSql, surnamesParam } = await import('../analytics/matchback/refresh')
  const { defineQuery, runQuery, runStatement } = await import('../analytics/query')
  const { loaderFor, TableWriter } = await import('./gen/load')
  const results: Result[] = []
  const total = manifest.created.sales

  await timed(`sales import of each store's own export (${manifest.stores.length} Parquet files)`, async () => {
    for (const store of manifest.stores) {
      const imported = await importFile(store.salesParquet, store.id)
      if (imported.rejected) throw new Error(`The sales import of ${store.name} rejected ${imported.rejected} rows`)
    }
  })
  // the sales of the new files are matched (added, or superseding the group file's rows), the others kept
  const first = await timed('sync after the imports (their sales matched)', () => syncAnalytics(live, source, syncOptions))
  if (first.value.matchback === 'all' || first.value.matchback < total) throw new Error(`The sync after the imports matched ${first.value.matchback} sales, not those of the new files`)
  say(`  ${first.value.matchback.toLocaleString('en')} sales matched, of the new files' ${total.toLocaleString('en')} and the earlier imports' rows they superseded`)

  const quality = defineQuery<{ file: string; surnames: ReturnType<typeof surnamesParam> }>()({
    name: 'bench.matchback.quality',
    sql: `
      WITH truth AS (
        SELECT sale_key, CAST(store_id AS UUID) AS store_id, CAST(nullif(lead_id, '') AS UUID) AS lead_id
        FROM read_csv($file, header = true, all_varchar = true)
      ),
      t AS (
        SELECT truth.lead_id, m.status, m.lead_id AS got,
               s.phone_hash AS s_hash, s.phone_masked AS s_masked, nullif(s.name_key, '') AS a,
               l.phone_hash AS l_hash, l.phone_masked AS l_masked, nullif(l.name_key, '') AS b,
               g.phone_hash AS g_hash
        FROM truth
        JOIN sale_matches m ON m.store_id = truth.store_id AND m.sale_key = truth.sale_key
        JOIN sales s ON s.store_id = truth.store_id AND s.sale_key = truth.sale_key
        LEFT JOIN leads l ON l.id = truth.lead_id
        LEFT JOIN leads g ON g.id = m.lead_id
      ),
      k AS (
        SELECT *, coalesce(lead_id IS NOT NULL AND s_hash = l_hash, false) AS by_phone,
               coalesce(lead_id IS NOT NULL AND (s_hash IS NULL OR l_hash IS NULL) AND s_masked = l_masked
                        AND ${nameAgreementSql('a', 'b')} IS NOT NULL, false) AS by_mask
        FROM t
      )
      SELECT count(*)::INTEGER AS sales,
             count(*) FILTER (WHERE lead_id IS NOT NULL)::INTEGER AS with_lead,
             count(*) FILTER (WHERE by_phone)::INTEGER AS phone_matchable,
             count(*) FILTER (WHERE by_phone OR by_mask)::INTEGER AS matchable,
             count(*) FILTER (WHERE status = 'matched')::INTEGER AS auto,
             count(*) FILTER (WHERE status = 'matched' AND got = lead_id)::INTEGER AS auto_correct,
             count(*) FILTER (WHERE status = 'matched' AND got = lead_id AND by_phone)::INTEGER AS auto_correct_phone,
             count(*) FILTER (WHERE status = 'matched' AND got IS DISTINCT FROM lead_id AND lead_id IS NULL)::INTEGER AS auto_wrong_no_lead,
             -- the buyer's own full number on another lead: the true lead known only masked, and a
             -- later lead-platform line with the full number made a second lead of the same person
             count(*) FILTER (WHERE status = 'matched' AND got IS DISTINCT FROM lead_id AND lead_id IS NOT NULL AND l_hash IS NULL AND g_hash = s_hash)::INTEGER AS auto_wrong_own_number,
             count(*) FILTER (WHERE status = 'review')::INTEGER AS review,
             count(*) FILTER (WHERE status = 'review' AND got = lead_id)::INTEGER AS review_correct,
             count(*) FILTER (WHERE status IN ('matched', 'review') AND got = lead_id AND (by_phone OR by_mask))::INTEGER AS found_matchable
      FROM k`,
  })
  const [q] = (await live.withConnection((c) => runQuery(c, quality, { file: manifest.files.truth, surnames: surnamesParam() }))) as [Record<string, number>]
  say(`  matchback: ${JSON.stringify(q)}`)
  if (q.sales !== total) throw new Error(`sale_matches holds ${q.sales} of the ${total} generated sales`)
  const pct = (n: number, d: number) => (d ? Math.round((n / d) * 10_000) / 100 : 0)
  const precision = pct(q.auto_correct!, q.auto!)
  const recallAuto = pct(q.auto_correct_phone!, q.phone_matchable!)
  const recallAll = pct(q.found_matchable!, q.matchable!)
  const n = (x: number) => x.toLocaleString('en')
  results.push(
    {
      name: `Matchback precision: matched without review and to the true lead (${n(q.auto_correct!)} of ${n(q.auto!)}; 30% of phones masked)`,
      value: precision,
      unit: '%',
      target: '≥ 99%',
      pass: precision >= 99,
    },
    {
      // truth.csv names the lead the person first was; the generator's lead-platform export then
      // gives some of them, known only masked, with the full number, which makes a second lead
      name: `Matchback: of those not to the true lead, to a second lead with the buyer's own full number (true lead known only masked; made by the lead-platform import)`,
      value: q.auto_wrong_own_number!,
      unit: `of ${n(q.auto! - q.auto_correct!)}`,
    },
    {
      name: `Matchback recall, without review: sales whose true lead has the same full number (${n(q.auto_correct_phone!)} of ${n(q.phone_matchable!)})`,
      value: recallAuto,
      unit: '%',
      target: '≥ 95%',
      pass: recallAuto >= 95,
    },
    {
      name: `Matchback recall, matched or put up for review: sales matchable in principle — same number, or same masked number and agreeing names (${n(q.found_matchable!)} of ${n(q.matchable!)})`,
      value: recallAll,
      unit: '%',
      target: '≥ 95%',
      pass: recallAll >= 95,
    },
    {
      name: `Matchback review list: suggestions naming the true lead (${n(q.review_correct!)} of ${n(q.review!)})`,
      value: pct(q.review_correct!, q.review!),
      unit: '%',
    },
    {
      name: `Sales with a true lead that any rule can find (${n(q.matchable!)} of ${n(q.with_lead!)}; the rest: masked number and another given name)`,
      value: pct(q.matchable!, q.with_lead!),
      unit: '%',
    },
  )

  const full = await timed(`matchback refresh, all ${n(total)} sales`, () => live.withConnection((c) => refreshSaleMatches(c, 'all')))
  results.push({
    name: `Matchback refresh of every sale (${n(total)} sales, ${n(manifest.created.leads)} leads, ${n(manifest.created.touchpoints)} touchpoints): after a rebuild, or new rules`,
    value: Math.round(full.seconds * 100) / 100,
    unit: 's',
  })

  const loader = loaderFor(handle)
  const storeA = manifest.stores[0]!.id
  const anonymous = new TableWriter(loader, 'touchpoints', ['store_id', 'kind', 'channel', 'visitor_key', 'at'])
  for (let i = 0; i < 10_000; i++) await anonymous.add([storeA, 'web_visit', 'search', `bench-mb-${i}`, new Date().toISOString()])
  await anonymous.flush()
  const web = await timed('incremental sync after 10,000 new anonymous touchpoints, matchback on', () => syncAnalytics(live, source, syncOptions))
  results.push({
    name: `Incremental sync after 10,000 new anonymous web touchpoints, with ${n(total)} sales matched (${typeof web.value.matchback === 'number' ? n(web.value.matchback) : web.value.matchback} sales re-matched)`,
    value: Math.round(web.seconds * 100) / 100,
    unit: 's',
    target: '≤ 2 s',
    pass: web.seconds <= 2,
  })

  // touches of known leads, each of whose sales (and every sale sharing its keys) is matched again
  const touched = await loader.query<{ id: string; store_id: string }>('select id, store_id from leads where merged_into_id is null order by id limit 10000')
  const known = new TableWriter(loader, 'touchpoints', ['store_id', 'lead_id', 'kind', 'channel', 'at'])
  for (const lead of touched) await known.add([lead.store_id, lead.id, 'call', 'returning_customer', new Date().toISOString()])
  await known.flush()
  const leads = await timed(`incremental sync after ${n(touched.length)} new touchpoints of as many leads`, () => syncAnalytics(live, source, syncOptions))
  results.push({
    name: `Incremental sync after ${n(touched.length)} new touchpoints of ${n(touched.length)} known leads (${typeof leads.value.matchback === 'number' ? n(leads.value.matchback) : leads.value.matchback} sales re-matched)`,
    value: Math.round(leads.seconds * 100) / 100,
    unit: 's',
    target: '≤ 2 s',
    pass: leads.seconds <= 2,
  })

  // the incremental matches are those a full refresh makes, and so are the tables they are kept with
  // (the folded touches compared for the paired leads: a lead no longer paired keeps its rows)
  const kept: Record<string, string> = {
    sale_matches: 'SELECT * FROM sale_matches',
    sale_match_campaigns: 'SELECT * FROM sale_match_campaigns',
    sale_match_pairs: 'SELECT * FROM sale_match_pairs',
    sale_match_touches: 'SELECT f.* FROM sale_match_touches f SEMI JOIN sale_match_pairs p ON p.lead_id = f.lead_id',
    sale_journeys: 'SELECT * FROM sale_journeys',
  }
  const diff = await live.withConnection(async (c) => {
    for (const [table, sql] of Object.entries(kept)) await runStatement(c, 'bench.matchback.keep', `CREATE OR REPLACE TEMP TABLE _bench_${table} AS ${sql}`)
    await refreshSaleMatches(c, 'all')
    const found: string[] = []
    for (const [table, sql] of Object.entries(kept)) {
      const differences = defineQuery()({
        name: 'bench.matchback.differences',
        sql: `SELECT count(*)::INTEGER AS n FROM ((${sql} EXCEPT ALL SELECT * FROM _bench_${table}) UNION ALL (SELECT * FROM _bench_${table} EXCEPT ALL ${sql}))`,
      })
      const [row] = (await runQuery(c, differences, {})) as [{ n: number }]
      if (row.n) found.push(`${table}: ${row.n}`)
    }
    return found.join(', ')
  })
  if (diff) throw new Error(`The incremental matches differ from a full refresh in rows of ${diff}`)
  return results
}

function render(results: Result[], command: string, seconds: number, serverVersion: string, part = '') {
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, Postgres ${serverVersion}; ${part ? `${part} ` : ''}\`${command}\` (${Math.round(seconds)} s${part ? '' : ' in all'}).`,
    '',
    '| Measurement | Result | Peer, same run | Ratio | Target | Met |',
    '| --- | ---: | --- | ---: | --- | --- |',
    ...results.map((r) =>
      [
        r.note ? `${r.name} (${r.note})` : r.name,
        `${r.value.toLocaleString('en')} ${r.unit}`,
        r.peer ? `${r.peer.name}: ${r.peer.value.toLocaleString('en')} ${r.peer.unit}` : '—',
        r.ratio ? `${r.ratio.toFixed(2)}×` : '—',
        r.target ?? '—',
        r.pass === undefined ? '—' : r.pass ? 'yes' : '**no**',
      ].join(' | ').replace(/^/, '| ').concat(' |'),
    ),
  ]
  return lines.join('\n')
}

const SECTIONS = { 'sales-data': 'Sales data: import and the analytical store', attribution: 'Attribution and ROI', collect: 'Collecting page views' } as const

function writeReport(report: string, section: keyof typeof SECTIONS) {
  const BEGIN = `<!-- bench:${section} begin -->`
  const END = `<!-- bench:${section} end -->`
  const file = path.resolve('docs/benchmarks.md')
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n'
  const block = `${BEGIN}\n${report}\n${END}`
  const next = text.includes(BEGIN) ? text.replace(new RegExp(`${BEGIN}[\\s\\S]*?${END}`), () => block) : `${text.trimEnd()}\n\n## ${SECTIONS[section]}\n\n${block}\n`
  fs.writeFileSync(file, next)
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const original = (error as { original?: { message?: string } } | null)?.original?.message
    console.error(`Benchmark failed: ${error instanceof Error ? error.message : String(error)}${original ? ` — ${original}` : ''}`)
    process.exit(1)
  },
)
