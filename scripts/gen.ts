import fs from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { currentDbHandle, getDbHandle } from '../db/client'
import { AnalyticsDb } from '../analytics/duckdb'
import { fileLiteral } from '../analytics/file-literal'
import { runStatement } from '../analytics/query'
import { maskPhone } from '../analytics/ingest/phone'
import { nameKey } from '../analytics/ingest/sales-values'
import { hashPhone } from '../app/utils/phone-hash.server'
import { getEnv } from '../app/utils/env.server'
import { EncodedCsv, PLATFORM_HEADERS, SALES_HEADERS, SalesCsv, SalesXlsx, localDate, platformLeadLine, saleCells } from './gen/files'
import { loaderFor, TableWriter, type Loader } from './gen/load'
import { campaignsPerStore, makeLead, makePlan, makeSale, personName, personPhone, PERIOD_START, FIRST_TOUCH_END, type GenOptions, type Lead, type Plan } from './gen/model'
import { createRandom, type Random } from './gen/random'

/**
 * `npm run gen -- --stores 20 --sales 1000000 --leads 2000000 --touchpoints 20000000 --seed 1`
 * makes a dealer group's worth of realistic, deterministic data (SPEC §7): stores, campaigns
 * with their media and budgets, leads with Chinese names and mobile numbers (some known only
 * masked, as lead platforms hand them over), their journeys as touchpoints with plausible
 * channel mixes, showroom visits and status changes — loaded into the database the app uses
 * (DATABASE_URL, else the embedded one under DATA_DIR) — and the files a store hands over:
 * DMS sales exports per store as GB18030 CSV and Parquet, one for the whole group, an .xlsx
 * sample, a lead platform's export, and apart from them the truth: which lead each sale
 * really came from. Streaming throughout: memory stays flat at any scale.
 */

const ArgsSchema = z.object({
  seed: z.coerce.number().int().min(0).max(2 ** 31),
  stores: z.coerce.number().int().min(1).max(500),
  campaigns: z.coerce.number().int().min(1).max(1_000_000).optional(),
  leads: z.coerce.number().int().min(0).max(50_000_000),
  touchpoints: z.coerce.number().int().min(0).max(500_000_000),
  sales: z.coerce.number().int().min(0).max(20_000_000),
  matched: z.coerce.number().min(0).max(1),
  masked: z.coerce.number().min(0).max(1),
  'xlsx-rows': z.coerce.number().int().min(0).max(1_000_000),
  'platform-leads': z.coerce.number().int().min(0).max(5_000_000).optional(),
  out: z.string().min(1).optional(),
  'no-db': z.boolean(),
  quiet: z.boolean(),
})

const USAGE = `Usage: npm run gen -- [--stores 20] [--leads 2000000] [--touchpoints 20000000] [--sales 1000000] [--seed 1]
         [--campaigns N] [--matched 0.6] [--masked 0.3] [--xlsx-rows 100000] [--platform-leads N] [--out DIR] [--no-db] [--quiet]`

export type GenManifest = {
  options: GenOptions
  created: { stores: number; campaigns: number; placements: number; leads: number; touchpoints: number; visits: number; events: number; sales: number; matchedSales: number; platformLeads: number }
  group: { id: string; name: string }
  stores: Array<{ id: string; name: string; salesCsv: string; salesParquet: string; sales: number }>
  files: { salesAll: string; salesXlsx: string; xlsxRows: number; platformLeads: string; platformStoreId: string; truth: string }
  seconds: number
  database: 'pglite' | 'postgres' | null
}

const iso = (ms: number) => new Date(ms).toISOString()
const STATUS_RANK = { new: 0, contacted: 1, visited: 2, test_drive: 3, ordered: 4, delivered: 5, lost: -1 } as const
const PATH = ['new', 'contacted', 'visited', 'test_drive', 'ordered', 'delivered'] as const
const HOUR = 3_600_000

function progress(quiet: boolean, text: string) {
  if (!quiet) process.stderr.write(`${text}\n`)
}

/** How far along the funnel a lead got before its present status (a lost lead got somewhere first). */
function reached(r: Random, lead: Lead) {
  if (lead.status !== 'lost') return STATUS_RANK[lead.status]
  return r.int('lead.lost.stage', 4, lead.index)
}

export async function generate(raw: Record<string, unknown>): Promise<GenManifest> {
  const args = ArgsSchema.parse(raw)
  const started = performance.now()
  const options: GenOptions = {
    seed: args.seed,
    stores: args.stores,
    campaigns: args.campaigns ?? args.stores * 500,
    leads: args.leads,
    touchpoints: args.touchpoints,
    sales: args.sales,
    matchedShare: args.matched,
    maskedShare: args.masked,
  }
  const r = createRandom(options.seed)
  const plan = makePlan(r, options)
  const out = path.resolve(args.out ?? path.join(getEnv().DATA_DIR, 'gen', `seed-${options.seed}`))
  fs.mkdirSync(path.join(out, 'sales'), { recursive: true })
  const groupId = r.uuid('group', 0)
  const groupName = `基准经销商集团 ${options.seed}`

  let loader: Loader | null = null
  let database: GenManifest['database'] = null
  let withNameKey = false
  if (!args['no-db']) {
    const handle = await getDbHandle()
    database = handle.kind
    loader = loaderFor(handle)
    const [exists] = await loader.query<{ n: number }>('select count(*)::int as n from dealer_groups where id = $1', [groupId])
    if (exists!.n) throw new Error(`The data of seed ${options.seed} is already in this database: use another --seed, or an empty database.`)
    const [column] = await loader.query<{ n: number }>(
      `select count(*)::int as n from information_schema.columns where table_name = 'leads' and column_name = 'name_key' and is_generated = 'NEVER' and table_schema = current_schema()`,
    )
    withNameKey = column!.n > 0
  }
  const created = { stores: plan.stores.length, campaigns: 0, placements: 0, leads: 0, touchpoints: 0, visits: 0, events: 0, sales: 0, matchedSales: 0, platformLeads: 0 }

  // ---- the group, its stores, sites, campaigns, media and budgets ------------------------
  const perStore = campaignsPerStore(options)
  if (loader) {
    const groups = new TableWriter(loader, 'dealer_groups', ['id', 'name'])
    await groups.add([groupId, groupName])
    await groups.flush()
    const stores = new TableWriter(loader, 'stores', ['id', 'group_id', 'name', 'brand', 'city'])
    const sites = new TableWriter(loader, 'sites', ['id', 'store_id', 'name', 'site_key', 'origins'])
    for (const s of plan.stores) {
      await stores.add([s.id, groupId, s.name, s.brand, s.city])
      await sites.add([s.siteId, s.id, `${s.name}官网`, s.siteKey, JSON.stringify([`https://gen${options.seed}-${s.index}.example.cn`])])
    }
    await stores.flush()
    await sites.flush()
    // the plan's tables refer to one another and are written in this order, each whole (a few MB
    // at 10,000 campaigns): a COPY of rows whose parent rows are still buffered would fail
    const whole = Number.POSITIVE_INFINITY
    const campaigns = new TableWriter(loader, 'campaigns', [
      'id', 'store_id', 'name', 'form', 'status', 'purposes', 'theme', 'start_date', 'end_date', 'models', 'target_leads', 'target_orders', 'created_at',
    ], whole)
    const placements = new TableWriter(loader, 'media_placements', ['id', 'campaign_id', 'position', 'medium', 'platform', 'purpose', 'nature', 'start_date', 'end_date', 'cost_fen'], whole)
    const budget = new TableWriter(loader, 'budget_lines', ['id', 'campaign_id', 'position', 'category', 'description', 'planned_fen', 'actual_fen', 'vendor', 'subsidy_fen', 'placement_id'], whole)
    // actual spend as the app records it (ADR 023): entries on the lines, by day
    const spend = new TableWriter(loader, 'spend_entries', ['id', 'campaign_id', 'budget_line_id', 'spent_on', 'amount_fen', 'subsidy_fen', 'vendor'], whole)
    for (let c = 0; c < perStore * options.stores; c++) {
      const campaign = plan.campaign(c)
      await campaigns.add([
        campaign.id, plan.stores[campaign.storeIndex]!.id, campaign.name, campaign.form, campaign.status, JSON.stringify(['orders', 'leads']),
        `${campaign.series} 限时礼遇`, localDate(campaign.startMs), localDate(campaign.endMs), JSON.stringify([campaign.series]),
        40 + r.int('campaign.target.leads', 200, c), 5 + r.int('campaign.target.orders', 30, c), iso(campaign.startMs - 30 * 24 * HOUR),
      ])
      created.campaigns++
      let position = 0
      for (const p of campaign.placements) {
        await placements.add([p.id, campaign.id, p.position, p.medium, '', 'promotion', r.u('placement.nature', c, p.position) < 0.7 ? 'hard' : 'soft', localDate(p.startMs), localDate(p.endMs), p.costFen])
        created.placements++
        const actual = Math.round((p.costFen * (0.85 + r.u('budget.actual', c, p.position) * 0.3)) / 100) * 100
        const line = r.uuid('budget', c * 16 + position)
        await budget.add([line, campaign.id, position++, 'media', p.medium, p.costFen, campaign.status === 'approved' ? null : actual, '', 0, p.id])
        if (campaign.status !== 'approved') {
          // paid in two parts: a deposit when the placement starts, the rest when it ends
          const deposit = Math.round(actual / 200) * 100
          await spend.add([r.uuid('spend', c * 32 + p.position * 2), campaign.id, line, localDate(p.startMs), deposit, 0, p.medium])
          await spend.add([r.uuid('spend', c * 32 + p.position * 2 + 1), campaign.id, line, localDate(p.endMs), actual - deposit, 0, p.medium])
        }
      }
      const venue = (10 + r.int('budget.venue', 40, c)) * 100_000
      const subsidy = r.u('budget.subsidy', c) < 0.3 ? Math.round(venue * 0.3) : 0
      const line = r.uuid('budget', c * 16 + position)
      await budget.add([line, campaign.id, position, 'venue', '场地及物料', venue, campaign.status === 'approved' ? null : venue, '', subsidy, null])
      if (campaign.status !== 'approved') await spend.add([r.uuid('spend', c * 32 + 31), campaign.id, line, localDate(campaign.startMs), venue, subsidy, '场地及物料'])
    }
    await campaigns.flush()
    await placements.flush()
    await budget.flush()
    await spend.flush()
  } else {
    created.campaigns = perStore * options.stores
  }
  progress(args.quiet, `stores and ${created.campaigns} campaigns: ${((performance.now() - started) / 1000).toFixed(1)} s`)

  // ---- pass 1: leads, and the sales with their files ----------------------------------------
  const storeFiles = plan.stores.map((s) => {
    const base = `${String(s.index + 1).padStart(2, '0')}-${s.name.replace(/\s+/g, '')}`
    return { csv: path.join(out, 'sales', `${base}.csv`), parquet: path.join(out, 'sales', `${base}.parquet`), count: 0 }
  })
  const storeCsv = plan.stores.map((s, i) => new SalesCsv(storeFiles[i]!.csv, `${s.name} 整车销售明细表（${localDate(PERIOD_START)} 至 2026-10-31）`))
  const allCsv = new SalesCsv(path.join(out, 'sales-all.csv'), `${groupName} 整车销售明细表`)
  const xlsxRows = Math.min(args['xlsx-rows'], options.sales)
  const xlsx = new SalesXlsx(path.join(out, 'sales-sample.xlsx'), `${groupName} 整车销售明细表（样本）`)
  const staging = new EncodedCsv(path.join(out, 'sales', '.staging.csv'), 'utf8')
  await staging.line(['store', ...SALES_HEADERS])
  const truth = new EncodedCsv(path.join(out, 'truth.csv'), 'utf8')
  await truth.line(['sale_key', 'store_id', 'lead_id', 'lead_phone_known', 'sale_phone_masked'])
  const leadsOut = loader
    ? new TableWriter(loader, 'leads', [
        'id', 'store_id', 'name', 'phone', 'phone_hash', 'phone_masked', 'city', 'model_of_interest', 'grade', 'status', 'lost_reason', 'first_channel',
        'first_campaign_id', 'first_touch_at', 'last_touch_at', 'created_at', ...(withNameKey ? ['name_key'] : []),
      ])
    : null

  const nonLeadSales = options.sales - plan.buyers
  let nonLead = 0
  let n = 0
  const emitSale = async (lead: Lead | null) => {
    const sale = makeSale(r, plan, n, lead, lead ? 0 : nonLead)
    if (!lead) nonLead++
    n++
    const file = storeFiles[sale.storeIndex]!
    file.count++
    await storeCsv[sale.storeIndex]!.add(sale)
    await allCsv.add(sale)
    if (sale.n < xlsxRows) xlsx.add(sale)
    await staging.line([sale.storeIndex, ...saleCells(sale, file.count)])
    const masked = sale.phoneText.includes('*')
    await truth.line([`vin:${sale.vin}`, plan.stores[sale.storeIndex]!.id, lead ? lead.id : '', lead ? lead.phoneKnown : '', masked])
    created.sales++
    if (lead) created.matchedSales++
  }
  const nextNonLeadAt = (j: number) => (nonLeadSales > 0 ? Math.floor((j * options.leads) / nonLeadSales) : Infinity)

  for (let i = 0; i < options.leads; i++) {
    const lead = makeLead(r, plan, i)
    if (leadsOut) {
      const first = lead.touches[0]!
      const last = lead.touches[lead.touches.length - 1]!
      const store = plan.stores[lead.storeIndex]!
      await leadsOut.add([
        lead.id, store.id, lead.name, lead.phoneKnown ? lead.phone : null, lead.phoneKnown ? hashPhone(lead.phone) : null, maskPhone(lead.phone), store.city,
        lead.series, r.pick('lead.grade', ['A', 'B', 'C', null] as const, i), lead.status, lead.lostReason, first.channel,
        first.campaignIndex === null ? null : plan.campaign(first.campaignIndex).id, iso(first.at), iso(last.at), iso(first.at),
        ...(withNameKey ? [nameKey(lead.name)] : []),
      ])
      created.leads++
    }
    if (lead.buyer) await emitSale(lead)
    while (nonLead < nonLeadSales && nextNonLeadAt(nonLead) <= i) await emitSale(null)
    if (i % 200_000 === 199_999) progress(args.quiet, `leads ${i + 1}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  while (nonLead < nonLeadSales) await emitSale(null)
  await leadsOut?.flush()
  for (const csv of storeCsv) await csv.close()
  await allCsv.close()
  await xlsx.close()
  await staging.close()
  await truth.close()
  progress(args.quiet, `${created.leads} leads, ${created.sales} sales: ${((performance.now() - started) / 1000).toFixed(1)} s`)

  // Parquet exports, per store, typed as a BI tool would write them
  const duck = await AnalyticsDb.open({ path: ':memory:', memoryLimit: '1GB', threads: 2 })
  try {
    await duck.withConnection(async (c) => {
      const money = ['指导价', '成交价', '优惠金额', '毛利', '精品收入', '金融收入', '保险返利']
      const dates = ['开票日期', '订单日期', '交车日期']
      const select = SALES_HEADERS.map((h) => (money.includes(h) ? `CAST("${h}" AS DECIMAL(14,2)) AS "${h}"` : dates.includes(h) ? `CAST("${h}" AS DATE) AS "${h}"` : `"${h}"`)).join(', ')
      await runStatement(c, 'gen.sales.staging', `CREATE TABLE staged AS SELECT * FROM read_csv(${fileLiteral(path.join(out, 'sales', '.staging.csv'))}, header = true, all_varchar = true)`)
      for (const s of plan.stores) {
        await runStatement(
          c,
          'gen.sales.parquet',
          `COPY (SELECT ${select} FROM staged WHERE store = '${s.index}' ORDER BY CAST("序号" AS INTEGER)) TO ${fileLiteral(storeFiles[s.index]!.parquet)} (FORMAT parquet, COMPRESSION zstd)`,
        )
      }
    })
  } finally {
    await duck.close()
    fs.rmSync(path.join(out, 'sales', '.staging.csv'), { force: true })
  }

  // a lead platform's export for the first store: some people already leads, most new
  const platformLeads = args['platform-leads'] ?? Math.min(50_000, Math.max(100, Math.floor(options.leads / 40)))
  const platform = new EncodedCsv(path.join(out, 'leads-platform.csv'), 'gb18030')
  const first = plan.stores[0]!
  await platform.line(['汽车之家 经销商线索明细'])
  await platform.line([...PLATFORM_HEADERS])
  const storeLeads = Math.floor(options.leads / options.stores)
  for (let j = 0; j < platformLeads; j++) {
    const known = storeLeads > 0 && r.u('platform.known', j) < 0.3
    const leadIndex = known ? r.int('platform.lead', storeLeads, j) * options.stores : -1
    const person = known ? leadIndex : options.leads + nonLeadSales + j
    const name = known ? makeLead(r, plan, leadIndex).name : personName(r, 'platform', j)
    const phone = personPhone(r, person)
    const at = FIRST_TOUCH_END + Math.floor(r.u('platform.at', j) * 120 * 24 * HOUR)
    await platform.line(platformLeadLine(j + 1, `${name[0]}${r.u('platform.title', j) < 0.5 ? '先生' : '女士'}`, r.u('platform.masked', j) < 0.25 ? maskPhone(phone) : phone, r.pick('platform.series', ['朗逸', '速腾', '迈腾', '途观L'], j), first.city, at, first.name))
  }
  await platform.close()
  created.platformLeads = platformLeads

  // ---- pass 2 and 3: touchpoints; visits and status changes ---------------------------------
  if (loader) {
    await loadTouchpoints(loader, r, plan, created, args.quiet, started)
    await loadFunnel(loader, r, plan, created, args.quiet, started)
    await loader.query('analyze')
  }

  const manifest: GenManifest = {
    options,
    created,
    group: { id: groupId, name: groupName },
    stores: plan.stores.map((s, i) => ({ id: s.id, name: s.name, salesCsv: storeFiles[i]!.csv, salesParquet: storeFiles[i]!.parquet, sales: storeFiles[i]!.count })),
    files: {
      salesAll: path.join(out, 'sales-all.csv'),
      salesXlsx: path.join(out, 'sales-sample.xlsx'),
      xlsxRows,
      platformLeads: path.join(out, 'leads-platform.csv'),
      platformStoreId: first.id,
      truth: path.join(out, 'truth.csv'),
    },
    seconds: Math.round((performance.now() - started) / 100) / 10,
    database,
  }
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}

const WEB_KINDS = new Set(['web_visit', 'link_click', 'web_form'])

async function loadTouchpoints(loader: Loader, r: Random, plan: Plan, created: GenManifest['created'], quiet: boolean, started: number) {
  const o = plan.options
  const touches = new TableWriter(loader, 'touchpoints', [
    'store_id', 'lead_id', 'site_id', 'visitor_key', 'kind', 'channel', 'utm_source', 'utm_medium', 'utm_campaign', 'campaign_id', 'placement_id', 'at', 'created_at',
  ])
  for (let i = 0; i < o.leads; i++) {
    const lead = makeLead(r, plan, i)
    const store = plan.stores[lead.storeIndex]!
    for (const t of lead.touches) {
      const web = WEB_KINDS.has(t.kind)
      const campaign = t.campaignIndex === null ? null : plan.campaign(t.campaignIndex)
      await touches.add([
        store.id, lead.id, web ? store.siteId : null, web ? `v${o.seed}-${i}` : null, t.kind, t.channel,
        web && campaign ? t.channel : null, web && campaign ? 'cpc' : null, web && campaign ? `c${t.campaignIndex}` : null,
        campaign?.id ?? null, t.placement?.id ?? null, iso(t.at), iso(t.at),
      ])
      created.touchpoints++
    }
    if (i % 200_000 === 199_999) progress(quiet, `touchpoints of ${i + 1} leads: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  // visits by people who never left their number: the paths that did not convert
  const span = FIRST_TOUCH_END - PERIOD_START
  for (let j = 0; j < plan.anonymousTouches; j++) {
    const storeIndex = j % o.stores
    const store = plan.stores[storeIndex]!
    const at = PERIOD_START + Math.floor(r.u('anon.at', j) * span)
    const perStore = campaignsPerStore(o)
    const c = storeIndex * perStore + Math.min(perStore - 1, Math.floor(((at - PERIOD_START) / span) * perStore))
    const campaign = plan.campaign(c)
    const viaCampaign = r.u('anon.via', j) < 0.6
    const placement = viaCampaign ? campaign.placements[r.int('anon.placement', campaign.placements.length, j)]! : null
    const channel = placement ? placement.medium : r.pick('anon.channel', ['search', 'direct', 'referral'] as const, j)
    await touches.add([
      store.id, null, store.siteId, `a${o.seed}-${Math.floor(j / 3)}`, r.u('anon.kind', j) < 0.7 ? 'web_visit' : 'link_click', channel,
      placement ? channel : null, placement ? 'cpc' : null, placement ? `c${c}` : null, placement ? campaign.id : null, placement?.id ?? null, iso(at), iso(at),
    ])
    created.touchpoints++
  }
  await touches.flush()
  progress(quiet, `${created.touchpoints} touchpoints: ${((performance.now() - started) / 1000).toFixed(1)} s`)
}

async function loadFunnel(loader: Loader, r: Random, plan: Plan, created: GenManifest['created'], quiet: boolean, started: number) {
  const visits = new TableWriter(loader, 'showroom_visits', ['id', 'store_id', 'lead_id', 'visit_type', 'arrived_at', 'left_at', 'party_size', 'test_drive', 'created_at'])
  const events = new TableWriter(loader, 'lead_events', ['lead_id', 'type', 'from_status', 'to_status', 'at'])
  for (let i = 0; i < plan.options.leads; i++) {
    const lead = makeLead(r, plan, i)
    const store = plan.stores[lead.storeIndex]!
    const first = lead.touches[0]!.at
    await events.add([lead.id, 'created', null, 'new', iso(first)])
    created.events++
    const stage = reached(r, lead)
    let at = first
    for (let k = 1; k <= stage; k++) {
      at += Math.floor((2 + r.u('funnel.gap', i, k) * 96) * HOUR)
      await events.add([lead.id, 'status', PATH[k - 1], PATH[k], iso(at)])
      created.events++
      if (PATH[k] === 'visited') {
        const testDrive = stage >= 3
        await visits.add([r.uuid('visit', i * 2), store.id, lead.id, 'first', iso(at), iso(at + (1 + r.u('visit.stay', i) * 2) * HOUR), 1 + r.int('visit.party', 3, i), testDrive, iso(at)])
        created.visits++
        if (r.u('visit.return', i) < 0.3) {
          const back = at + (3 + r.int('visit.back', 20, i)) * 24 * HOUR
          await visits.add([r.uuid('visit', i * 2 + 1), store.id, lead.id, 'return', iso(back), iso(back + HOUR), 1, false, iso(back)])
          created.visits++
        }
      }
    }
    if (lead.status === 'lost') {
      at += Math.floor((24 + r.u('funnel.lost', i) * 24 * 20) * HOUR)
      await events.add([lead.id, 'status', PATH[stage], 'lost', iso(at)])
      created.events++
    }
    if (i % 200_000 === 199_999) progress(quiet, `visits and events of ${i + 1} leads: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  await visits.flush()
  await events.flush()
}

async function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      stores: { type: 'string', default: '2' },
      campaigns: { type: 'string' },
      leads: { type: 'string', default: '2000' },
      touchpoints: { type: 'string', default: '20000' },
      sales: { type: 'string', default: '1000' },
      matched: { type: 'string', default: '0.6' },
      masked: { type: 'string', default: '0.3' },
      'xlsx-rows': { type: 'string', default: '100000' },
      'platform-leads': { type: 'string' },
      out: { type: 'string' },
      'no-db': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const parsed = ArgsSchema.safeParse(values)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    console.error(`--${issue.path.join('.')}: ${issue.message}\n${USAGE}`)
    return 2
  }
  const manifest = await generate(values)
  if (values.json) console.log(JSON.stringify(manifest, null, 2))
  else {
    const c = manifest.created
    console.log(
      `Made ${c.stores} stores, ${c.campaigns} campaigns, ${c.leads} leads, ${c.touchpoints} touchpoints, ${c.visits} visits, ${c.events} status changes` +
        `${manifest.database ? ` (into ${manifest.database})` : ' (no database)'}; ${c.sales} sales (${c.matchedSales} to leads) and ${c.platformLeads} platform leads as files under ${path.dirname(manifest.files.truth)} in ${manifest.seconds} s.`,
    )
  }
  return 0
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scripts/gen.ts')) {
  main()
    .then(async (code) => {
      await (await currentDbHandle())?.close().catch(() => {})
      process.exit(code)
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error))
      process.exit(1)
    })
}
