import { sql, type SQL } from 'drizzle-orm'
import { z } from 'zod'
import { getDb, rowsOf } from '../../db/client'
import { roiReport, type RoiReport, type RoiRow } from '../../analytics/queries/roi'
import type { Role } from '../../db/schema/enums'
import type { AttributionModel } from '../../analytics/attribution/vocabulary'
import { promotionsRunning, type RunningPromotion } from './competitors.server'
import { DEFAULT_MODEL } from '../schemas/analysis'
import type { SessionUser } from '../utils/auth.server'
import { zonedDay, zonedDayRange } from '../utils/zoned-time'
import { roleCan } from '../utils/permissions'
import { readMatches } from './matchback.server'
import { addDays, monthStart, mondayOf } from '../utils/days'
import { isUuid } from '../utils/ids'

/**
 * The workbench (工作台, SPEC §6): what each role opens Roadshow to — its to-dos, each leading
 * to where it is done, and the figures it is judged on. The to-dos come from Postgres in a few
 * set-based statements (never one per campaign); the figures are the ROI reports of the
 * analysis pages, read from the analytical store and kept per version of it (ADR 024), so a
 * workbench opened a hundred times a morning computes them once.
 */

/** How many items of each to-do the workbench lists (the count says how many there are). */
export const WORKBENCH_ITEMS = 5

export const TODO_KINDS = ['returned', 'draft', 'approval', 'noSpend', 'evaluate'] as const
export type TodoKind = (typeof TODO_KINDS)[number]

export type TodoCampaign = {
  id: string
  name: string
  storeName: string
  ownerName: string | null
  /** empty while the plan is a draft without dates */
  startDate: string | null
  endDate: string | null
  plannedFen: number | null
  currency: string
  /** the manager's comment when the plan was returned */
  comment: string | null
  /** when it was submitted, for the approvals waiting */
  since: string
}

export type TodoList = { kind: TodoKind; count: number; items: TodoCampaign[] }

export type DueTask = {
  id: string
  campaignId: string
  campaignName: string
  title: string
  owner: string
  dueDate: string
  overdue: boolean
}

/** One channel this month against the same days of last month. */
export type ChannelMonth = {
  channel: string
  leads: number
  orders: number
  cost: number
  costPerLead: number | null
  last: { leads: number; orders: number; cost: number; costPerLead: number | null }
}

export type Workbench = {
  role: Role
  /** the store's today and this week's Monday, local days */
  today: string
  weekStart: string
  weekEnd: string
  /** the month so far, [from, to) local days, and last month's same days */
  month: { from: string; to: string; lastFrom: string; lastTo: string }
  currency: string
  timeZone: string
  /** the attribution model the figures are credited under (the pages' default) */
  model: AttributionModel
  /** only the user's own campaigns (a specialist), or every campaign of the user's stores */
  own: boolean
  todos: TodoList[]
  tasks: { count: number; items: DueTask[] }
  /** the manager's budget: spend recorded this month and last, and the plans running this month */
  budget: { spentMonth: number; spentLast: number; planned: number; actual: number; campaigns: number } | null
  /** false until the analytical store has its first sync: the figures are being prepared */
  ready: boolean
  /** the specialist's campaigns: results over the last 90 days */
  campaignKpis: { rows: RoiRow[]; names: Record<string, string>; stale: boolean; asOf: number } | null
  /** the manager's channels this month against last */
  channels: { rows: ChannelMonth[]; total: ChannelMonth; stale: boolean; asOf: number } | null
  /** the executive's group: this month by store, with the same length of time before */
  group: { report: RoiReport; names: Record<string, string> } | null
  /** competitors' promotions running today at the stores (specialist, manager, admin) */
  rivalPromotions: RunningPromotion[]
}


/** The local days the workbench counts over: this week (Monday first) and the month so far against last month's same days. */
export function workbenchPeriods(today: string) {
  const weekStart = mondayOf(today)
  const from = monthStart(today)
  const to = addDays(today, 1)
  const lastFrom = monthStart(today, 1)
  // the same number of days of last month, never past its end (31 March against February)
  const sameDay = addDays(lastFrom, Number(today.slice(8, 10)))
  const lastTo = sameDay < from ? sameDay : from
  return { weekStart, weekEnd: addDays(weekStart, 7), month: { from, to, lastFrom, lastTo } }
}

const storeList = (ids: readonly string[]) =>
  ids.length
    ? sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )
    : sql`null::uuid`

const todoRow = z.object({
  kind: z.enum(TODO_KINDS),
  n: z.coerce.number(),
  id: z.string(),
  name: z.string(),
  store_name: z.string(),
  owner_name: z.string().nullable(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  planned_fen: z.coerce.number().nullable(),
  currency: z.string(),
  comment: z.string().nullable(),
  since: z.coerce.string(),
})

/** The campaigns waiting on someone, by kind: how many, and the first few in the order they are best done. */
async function campaignTodos(storeIds: readonly string[], ownerId: string | null, kinds: readonly TodoKind[]): Promise<TodoList[]> {
  const db = await getDb()
  const mine: SQL = ownerId ? sql`and c.owner_id = ${ownerId}::uuid` : sql``
  const result = await db.execute(sql`
    with todo as (
      select c.id, c.name, c.start_date, c.end_date, c.store_id, c.owner_id, c.updated_at,
        case
          when c.status = 'returned' then 'returned'
          when c.status = 'draft' then 'draft'
          when c.status = 'submitted' then 'approval'
          when c.status = 'running' and coalesce((select sum(b.actual_fen) from budget_lines b where b.campaign_id = c.id), 0) = 0 then 'noSpend'
          when c.status = 'completed' then 'evaluate'
        end as kind
      from campaigns c
      where c.store_id in (${storeList(storeIds)}) ${mine}
        and c.status in ('returned', 'draft', 'submitted', 'running', 'completed')
    ),
    ranked as (
      select todo.*,
        count(*) over (partition by kind) as n,
        row_number() over (
          partition by kind
          order by
            case when kind = 'returned' then extract(epoch from updated_at) end desc nulls last,
            case when kind = 'approval' then extract(epoch from updated_at) end asc nulls last,
            case when kind in ('draft', 'noSpend') then start_date end asc nulls last,
            case when kind = 'evaluate' then end_date end asc nulls last,
            id
        ) as rn
      from todo
      where kind in (${sql.join(
        kinds.map((k) => sql`${k}`),
        sql`, `,
      )})
    )
    select r.kind, r.n, r.id, r.name, s.name as store_name, u.name as owner_name,
      r.start_date::text as start_date, r.end_date::text as end_date,
      (select sum(b.planned_fen) from budget_lines b where b.campaign_id = r.id) as planned_fen,
      s.currency,
      case when r.kind = 'returned' then
        (select t.comment from campaign_transitions t where t.campaign_id = r.id and t.to_status = 'returned' order by t.at desc limit 1)
      end as comment,
      coalesce((select max(t.at) from campaign_transitions t where t.campaign_id = r.id and t.to_status = r.kind_status), r.updated_at) as since
    from (select ranked.*, case kind when 'approval' then 'submitted' when 'evaluate' then 'completed' when 'noSpend' then 'running' else kind end as kind_status from ranked where rn <= ${WORKBENCH_ITEMS}) r
    join stores s on s.id = r.store_id
    left join users u on u.id = r.owner_id
    order by r.kind, r.rn`)
  const rows = z.array(todoRow).parse(rowsOf(result))
  return kinds.map((kind) => {
    const mineOfKind = rows.filter((r) => r.kind === kind)
    return {
      kind,
      count: mineOfKind[0]?.n ?? 0,
      items: mineOfKind.map((r) => ({
        id: r.id,
        name: r.name,
        storeName: r.store_name,
        ownerName: r.owner_name,
        startDate: r.start_date,
        endDate: r.end_date,
        plannedFen: r.planned_fen,
        currency: r.currency,
        comment: r.comment,
        since: new Date(r.since).toISOString(),
      })),
    }
  })
}

const taskRow = z.object({
  n: z.coerce.number(),
  id: z.string(),
  campaign_id: z.string(),
  campaign_name: z.string(),
  title: z.string(),
  owner: z.string(),
  due_date: z.string(),
})

/** The open tasks of the approved and running campaigns due by the end of this week, those overdue first. */
async function dueTasks(storeIds: readonly string[], ownerId: string | null, today: string, weekEnd: string) {
  const db = await getDb()
  const mine: SQL = ownerId ? sql`and c.owner_id = ${ownerId}::uuid` : sql``
  const result = await db.execute(sql`
    select count(*) over () as n, t.id, t.campaign_id, c.name as campaign_name, t.title, t.owner, t.due_date::text as due_date
    from campaign_tasks t
    join campaigns c on c.id = t.campaign_id
    where c.store_id in (${storeList(storeIds)}) ${mine}
      and c.status in ('approved', 'running')
      and t.status <> 'done'
      and t.due_date < ${weekEnd}::date
    order by t.due_date, c.name, t.position
    limit ${WORKBENCH_ITEMS * 2}`)
  const rows = z.array(taskRow).parse(rowsOf(result))
  return {
    count: rows[0]?.n ?? 0,
    items: rows.map((r) => ({
      id: r.id,
      campaignId: r.campaign_id,
      campaignName: r.campaign_name,
      title: r.title,
      owner: r.owner,
      dueDate: r.due_date,
      overdue: r.due_date < today,
    })),
  }
}

const budgetRow = z.object({
  spent_month: z.coerce.number(),
  spent_last: z.coerce.number(),
  planned: z.coerce.number(),
  actual: z.coerce.number(),
  campaigns: z.coerce.number(),
})

/** Spend recorded this month and over last month's same days; the budget of the plans running this month, planned against actual. */
async function monthBudget(storeIds: readonly string[], month: Workbench['month']) {
  const db = await getDb()
  const result = await db.execute(sql`
    with spent as (
      select
        coalesce(sum(e.amount_fen) filter (where e.spent_on >= ${month.from}::date and e.spent_on < ${month.to}::date), 0) as spent_month,
        coalesce(sum(e.amount_fen) filter (where e.spent_on >= ${month.lastFrom}::date and e.spent_on < ${month.lastTo}::date), 0) as spent_last
      from spend_entries e
      join campaigns c on c.id = e.campaign_id
      where c.store_id in (${storeList(storeIds)}) and e.spent_on >= ${month.lastFrom}::date and e.spent_on < ${month.to}::date
    ),
    running as (
      select c.id from campaigns c
      where c.store_id in (${storeList(storeIds)})
        and c.status in ('approved', 'running', 'completed', 'evaluated')
        and c.start_date < ${monthStart(month.from, -1)}::date and c.end_date >= ${month.from}::date
    )
    select spent.spent_month, spent.spent_last,
      coalesce((select sum(b.planned_fen) from budget_lines b where b.campaign_id in (select id from running)), 0) as planned,
      coalesce((select sum(b.actual_fen) from budget_lines b where b.campaign_id in (select id from running)), 0) as actual,
      (select count(*) from running) as campaigns
    from spent`)
  const [row] = z.array(budgetRow).parse(rowsOf(result))
  return { spentMonth: row!.spent_month, spentLast: row!.spent_last, planned: row!.planned, actual: row!.actual, campaigns: row!.campaigns }
}

async function campaignNames(ids: readonly string[]) {
  if (!ids.length) return {}
  const db = await getDb()
  const result = await db.execute(sql`select id, name from campaigns where id in (${storeList(ids)})`)
  return Object.fromEntries(z.array(z.object({ id: z.string(), name: z.string() })).parse(rowsOf(result)).map((r) => [r.id, r.name]))
}

const channelMonth = (row: RoiRow | undefined, last: RoiRow | undefined, channel: string): ChannelMonth => ({
  channel,
  leads: row?.leads ?? 0,
  orders: row?.orders ?? 0,
  cost: row?.cost ?? 0,
  costPerLead: row?.costPerLead ?? null,
  last: { leads: last?.leads ?? 0, orders: last?.orders ?? 0, cost: last?.cost ?? 0, costPerLead: last?.costPerLead ?? null },
})

/** The workbench of the signed-in user. The front desk has none: it lands on 前台登记 (the route redirects). */
export async function workbench(user: SessionUser, now = new Date()): Promise<Workbench> {
  const stores = user.stores
  const storeIds = stores.map((s) => s.id)
  const timeZone = stores[0]?.timeZone ?? 'Asia/Shanghai'
  const currency = stores[0]?.currency ?? 'CNY'
  const today = zonedDay(now, timeZone)
  const { weekStart, weekEnd, month } = workbenchPeriods(today)
  const role = user.role
  const plans = role === 'specialist' || role === 'manager' || role === 'admin'
  const approves = role === 'manager' || role === 'admin'
  // a specialist's to-dos are the campaigns they own; a manager's, every campaign of the stores
  const own = role === 'specialist'
  const ownerId = own ? user.id : null
  const kinds: TodoKind[] = approves ? ['approval', 'returned', 'noSpend', 'evaluate'] : ['returned', 'draft', 'noSpend', 'evaluate']
  const base: Workbench = {
    role,
    today,
    weekStart,
    weekEnd,
    month,
    currency,
    timeZone,
    model: DEFAULT_MODEL,
    own,
    todos: [],
    tasks: { count: 0, items: [] },
    budget: null,
    ready: true,
    campaignKpis: null,
    channels: null,
    group: null,
    rivalPromotions: [],
  }
  if (!storeIds.length) return base
  // what competitors are running today: the specialist plans against it, the manager weighs it
  if (plans && roleCan(role, 'competitor:read')) base.rivalPromotions = await promotionsRunning(storeIds, today)
  if (plans) {
    base.todos = await campaignTodos(storeIds, ownerId, kinds)
    base.tasks = await dueTasks(storeIds, ownerId, today, weekEnd)
  }
  if (approves) base.budget = await monthBudget(storeIds, month)

  const instant = (day: string) => zonedDayRange(day, timeZone)!.start.toISOString()
  const model = DEFAULT_MODEL
  if (role === 'specialist') {
    // the specialist's campaigns over the last 90 days, as the channel page counts them
    const from = addDays(today, -89)
    const to = addDays(today, 1)
    const { ready, value } = await readMatches(null, (c) =>
      roiReport(c, { storeIds, from: instant(from), to: instant(to), fromDay: from, toDay: to, by: 'campaign', model, timeZone, prior: false }),
    )
    base.ready = ready
    if (value) {
      const db = await getDb()
      // a campaign's id (the touches without a campaign are nobody's)
      const ids = value.rows.map((r) => r.key).filter(isUuid)
      const owned = ids.length
        ? new Set(
            z
              .array(z.object({ id: z.string() }))
              .parse(rowsOf(await db.execute(sql`select id from campaigns where id in (${storeList(ids)}) and owner_id = ${user.id}::uuid`)))
              .map((r) => r.id),
          )
        : new Set<string>()
      const rows = value.rows
        .filter((r) => owned.has(r.key))
        .sort((a, b) => b.leads - a.leads || b.cost - a.cost || (a.key < b.key ? -1 : 1))
        .slice(0, WORKBENCH_ITEMS + 3)
      base.campaignKpis = { rows, names: await campaignNames(rows.map((r) => r.key)), stale: value.stale, asOf: value.asOf }
    }
  } else if (approves) {
    const { ready, value } = await readMatches(null, async (c) => ({
      now: await roiReport(c, { storeIds, from: instant(month.from), to: instant(month.to), fromDay: month.from, toDay: month.to, by: 'channel', model, timeZone, prior: false }),
      last: await roiReport(c, {
        storeIds,
        from: instant(month.lastFrom),
        to: instant(month.lastTo),
        fromDay: month.lastFrom,
        toDay: month.lastTo,
        by: 'channel',
        model,
        timeZone,
        prior: false,
      }),
    }))
    base.ready = ready
    if (value) {
      const keys = [...new Set([...value.now.rows, ...value.last.rows].filter((r) => r.leads || r.orders || r.cost).map((r) => r.key))]
      const rows = keys
        .map((k) => channelMonth(value.now.rows.find((r) => r.key === k), value.last.rows.find((r) => r.key === k), k))
        .sort((a, b) => b.leads - a.leads || b.last.leads - a.last.leads || (a.channel < b.channel ? -1 : 1))
      base.channels = {
        rows,
        total: channelMonth(value.now.totals, value.last.totals, ''),
        stale: value.now.stale || value.last.stale,
        asOf: Math.min(value.now.asOf, value.last.asOf),
      }
    }
  } else if (role === 'executive') {
    const { ready, value } = await readMatches(null, (c) =>
      roiReport(c, { storeIds, from: instant(month.from), to: instant(month.to), fromDay: month.from, toDay: month.to, by: 'store', model, timeZone }),
    )
    base.ready = ready
    if (value) base.group = { report: value, names: Object.fromEntries(stores.map((s) => [s.id, s.name])) }
  }
  return base
}
