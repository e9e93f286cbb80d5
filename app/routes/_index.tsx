import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import type { RoiRow } from '../../analytics/queries/roi'
import { StaleNotice } from '../components/stale-notice'
import type { MessageKey } from '../i18n'
import { workbench, type ChannelMonth, type TodoCampaign, type TodoKind, type Workbench } from '../services/workbench.server'
import { getUser } from '../utils/auth.server'
import { pathKeyLabel } from '../utils/analysis-labels'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { addDays } from '../utils/days'

/**
 * 工作台 (SPEC §6): each role lands on what it should do next and the figures it is judged on.
 * The front desk's work is the day's register, so it lands on 前台登记.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await getUser(request)
  if (!user) throw redirect('/login')
  if (user.role === 'sales') throw redirect('/desk')
  return { wb: await workbench(user), name: user.name, canPlan: roleCan(user.role, 'campaign:write') }
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'workbench.title')

/** Where each to-do is done. */
const todoHref: Record<TodoKind, (id: string) => string> = {
  returned: (id) => `/campaigns/${id}/edit`,
  draft: (id) => `/campaigns/${id}`,
  approval: (id) => `/campaigns/${id}#workflow`,
  noSpend: (id) => `/campaigns/${id}#spend`,
  evaluate: (id) => `/campaigns/${id}/evaluation`,
}
const todoStatus: Record<TodoKind, string> = { returned: 'returned', draft: 'draft', approval: 'submitted', noSpend: 'running', evaluate: 'completed' }
const todoAction: Partial<Record<TodoKind, MessageKey>> = {
  returned: 'workbench.todo.edit',
  approval: 'workbench.todo.review',
  noSpend: 'workbench.todo.recordSpend',
  evaluate: 'workbench.todo.openEvaluation',
}

export default function WorkbenchPage() {
  const { wb, name, canPlan } = useLoaderData<typeof loader>()
  const { t, day } = useI18n()
  const waiting = wb.todos.some((x) => x.count > 0) || wb.tasks.count > 0
  return (
    <>
      <div className="page-head">
        <div>
          <h1>{t('workbench.title')}</h1>
          <p className="muted">
            {t('workbench.hello', { name })} · {t('workbench.today', { day: day(wb.today) })}
          </p>
        </div>
        {canPlan ? (
          <Link to="/campaigns/new" className="btn btn-primary">
            + {t('campaigns.new')}
          </Link>
        ) : null}
      </div>
      {!wb.ready ? (
        <div className="alert alert-info" role="status">
          {t('workbench.preparing')}
        </div>
      ) : null}
      {wb.role === 'executive' ? <GroupSummary wb={wb} /> : null}
      {wb.todos.length ? (
        <section className="card" aria-labelledby="todos-h" data-testid="workbench-todos">
          <h2 id="todos-h">{t('workbench.todos')}</h2>
          {waiting ? (
            <div className="grid grid-2 todo-grid">
              {wb.todos
                .filter((x) => x.count > 0)
                .map((x) => (
                  <TodoBlock key={x.kind} kind={x.kind} count={x.count} items={x.items} own={wb.own} />
                ))}
              {wb.tasks.count > 0 ? <TaskBlock wb={wb} /> : null}
            </div>
          ) : (
            <p className="empty">{t('workbench.todos.none')}</p>
          )}
        </section>
      ) : null}
      {wb.budget ? <BudgetCard wb={wb} /> : null}
      {wb.channels ? <ChannelsCard wb={wb} /> : null}
      {wb.campaignKpis ? <MyCampaigns wb={wb} /> : null}
      {wb.rivalPromotions.length ? <RivalPromotions wb={wb} /> : null}
    </>
  )
}

/** What competitors are running today, as seen at the stores: a glance, leading to the timeline. */
function RivalPromotions({ wb }: { wb: Workbench }) {
  const { t, day } = useI18n()
  return (
    <section className="card" aria-labelledby="rivals-h" data-testid="workbench-rivals">
      <div className="card-head">
        <h2 id="rivals-h">{t('workbench.rivals')}</h2>
        <Link to="/competitors/promotions" className="actions small">
          {t('competitors.tab.promotions')}
        </Link>
      </div>
      <ul className="plain-list">
        {wb.rivalPromotions.map((p) => (
          <li key={`${p.brand} ${p.model} ${p.promotion}`}>
            <strong>
              {p.brand} {p.model}
            </strong>
            ：{p.promotion}{' '}
            <span className="muted small">{p.until ? t('workbench.rivals.until', { day: day(p.until) }) : t('workbench.rivals.seen', { day: day(p.lastSeen) })}</span>
          </li>
        ))}
      </ul>
    </section>
  )
}

function TodoBlock({ kind, count, items, own }: { kind: TodoKind; count: number; items: TodoCampaign[]; own: boolean }) {
  const { t, day, money, moment } = useI18n()
  const title = kind === 'returned' && !own ? 'workbench.todo.returned.team' : (`workbench.todo.${kind}` as MessageKey)
  const more = new URLSearchParams({ status: todoStatus[kind] })
  const action = todoAction[kind]
  return (
    <div className="todo" data-testid={`todo-${kind}`}>
      <h3>
        {t(title)} <span className="nav-count">{count}</span>
      </h3>
      <p className="muted small">{t(`workbench.todo.${kind}.hint` as MessageKey)}</p>
      <ul className="todo-list">
        {items.map((c) => (
          <li key={c.id}>
            <div className="todo-main">
              <Link to={todoHref[kind](c.id)}>{c.name}</Link>
              <span className="muted small">
                {c.storeName} · {c.startDate || c.endDate ? `${day(c.startDate)} – ${day(c.endDate)}` : t('campaign.datesNotSet')}
                {!own && c.ownerName ? ` · ${c.ownerName}` : ''}
              </span>
              {kind === 'approval' ? (
                <span className="small">
                  {c.plannedFen != null ? t('workbench.todo.budget', { amount: money(c.plannedFen, c.currency) }) : t('workbench.todo.noBudget')} ·{' '}
                  <span className="muted">{t('workbench.todo.submittedAt', { at: moment(c.since) })}</span>
                </span>
              ) : null}
              {c.comment ? <q className="small todo-comment">{c.comment}</q> : null}
            </div>
            {action ? (
              <Link to={todoHref[kind](c.id)} className="btn btn-sm" aria-label={`${t(action)}: ${c.name}`}>
                {t(action)}
              </Link>
            ) : null}
          </li>
        ))}
      </ul>
      {count > items.length ? (
        <Link to={`/campaigns?${more}`} className="small">
          {t('workbench.todo.more', { count })}
        </Link>
      ) : null}
    </div>
  )
}

function TaskBlock({ wb }: { wb: Workbench }) {
  const { t, day } = useI18n()
  return (
    <div className="todo" data-testid="todo-tasks">
      <h3>
        {t('workbench.tasks')} <span className="nav-count">{wb.tasks.count}</span>
      </h3>
      <p className="muted small">
        {day(wb.weekStart)} – {day(addDays(wb.weekEnd, -1))}
      </p>
      <ul className="todo-list">
        {wb.tasks.items.map((task) => (
          <li key={task.id}>
            <div className="todo-main">
              <Link to={`/campaigns/${task.campaignId}#p6`}>{task.title}</Link>
              <span className="muted small">
                {task.campaignName} · {task.owner}
              </span>
            </div>
            {task.overdue ? (
              <span className="badge badge-over">
                {t('workbench.tasks.overdue')} · {day(task.dueDate)}
              </span>
            ) : (
              <span className="small nowrap">{t('workbench.tasks.due', { day: day(task.dueDate) })}</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** A table's header: the row label's column, then the figures' columns (right-aligned). */
function HeadRow({ first, nums }: { first: string; nums: string[] }) {
  return (
    <thead>
      <tr>
        <th scope="col">{first}</th>
        {nums.map((label) => (
          <th key={label} scope="col" className="num">
            {label}
          </th>
        ))}
      </tr>
    </thead>
  )
}

function Stat({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  )
}

function BudgetCard({ wb }: { wb: Workbench }) {
  const { t, money } = useI18n()
  const b = wb.budget!
  const share = b.planned > 0 ? Math.min(1, b.actual / b.planned) : 0
  return (
    <section className="card" aria-labelledby="budget-h" data-testid="workbench-budget">
      <h2 id="budget-h">{t('workbench.budget')}</h2>
      <dl className="grid stats">
        <Stat label={t('workbench.budget.spent')} testId="budget-spent">
          {money(b.spentMonth, wb.currency)}
          <small className="muted block small">{t('workbench.budget.spentLast', { amount: money(b.spentLast, wb.currency) })}</small>
        </Stat>
        <Stat label={t('workbench.budget.running', { count: b.campaigns })} testId="budget-running">
          {b.campaigns ? (
            <>
              <span className="small">{t('workbench.budget.used', { actual: money(b.actual, wb.currency), planned: money(b.planned, wb.currency) })}</span>
              <span
                className={`progress${b.actual > b.planned ? ' over' : ''}`}
                role="progressbar"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round(share * 100)}
                aria-label={t('workbench.budget')}
              >
                <span style={{ width: `${Math.round(share * 100)}%` }} />
              </span>
            </>
          ) : (
            <span className="small muted">{t('workbench.budget.noPlans')}</span>
          )}
        </Stat>
      </dl>
    </section>
  )
}

function Versus({ now, last, format }: { now: number | null; last: number | null; format: (v: number | null) => string }) {
  const { t } = useI18n()
  return (
    <>
      {format(now)}
      <small className="muted block">{t('workbench.vsLast', { value: format(last) })}</small>
    </>
  )
}

function ChannelsCard({ wb }: { wb: Workbench }) {
  const { t, day, money, num } = useI18n()
  const c = wb.channels!
  const lastDay = (to: string) => day(addDays(to, -1))
  const row = (x: ChannelMonth, label: string, total = false) => (
    <tr key={x.channel || 'total'} className={total ? 'total' : undefined}>
      <th scope="row">{label}</th>
      <td className="num">
        <Versus now={x.leads} last={x.last.leads} format={num} />
      </td>
      <td className="num">
        <Versus now={x.costPerLead} last={x.last.costPerLead} format={(v) => money(v == null ? null : Math.round(v), wb.currency)} />
      </td>
      <td className="num">
        <Versus now={x.orders} last={x.last.orders} format={(v) => num(v == null ? null : Math.round(v * 10) / 10)} />
      </td>
      <td className="num">
        <Versus now={x.cost} last={x.last.cost} format={(v) => money(v, wb.currency)} />
      </td>
    </tr>
  )
  return (
    <section className="card" aria-labelledby="channels-h" data-testid="workbench-channels">
      <div className="card-head">
        <h2 id="channels-h">{t('workbench.channels')}</h2>
        <Link to={`/analysis/channels?from=${wb.month.from}&to=${addDays(wb.month.to, -1)}`} className="actions small">
          {t('analysis.nav')}
        </Link>
      </div>
      <p className="muted small">
        {t('workbench.channels.period', { from: day(wb.month.from), to: lastDay(wb.month.to), lastFrom: day(wb.month.lastFrom), lastTo: lastDay(wb.month.lastTo) })} ·{' '}
        {t(`analysis.model.${wb.model}`)}
      </p>
      <StaleNotice report={c} timeZone={wb.timeZone} />
      {c.rows.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <HeadRow first={t('analysis.by.channel')} nums={[t('analysis.conversion.lead'), t('analysis.roi.cpl'), t('analysis.conversion.order'), t('analysis.review.spend')]} />
            <tbody>{c.rows.map((x) => row(x, pathKeyLabel('channel', x.channel, t)))}</tbody>
            <tfoot>{row(c.total, t('workbench.channels.total'), true)}</tfoot>
          </table>
        </div>
      ) : (
        <p className="empty">{t('workbench.channels.none')}</p>
      )}
    </section>
  )
}

function MyCampaigns({ wb }: { wb: Workbench }) {
  const { t, money, num, pct } = useI18n()
  const k = wb.campaignKpis!
  const attainment = (r: RoiRow) => (r.targets?.leads ? r.leads / r.targets.leads : null)
  return (
    <section className="card" aria-labelledby="mine-h" data-testid="workbench-mine">
      <h2 id="mine-h">{t('workbench.kpis.mine')}</h2>
      <StaleNotice report={k} timeZone={wb.timeZone} />
      {k.rows.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <HeadRow first={t('campaign.field.name')} nums={[t('analysis.conversion.lead'), t('workbench.kpis.leadTarget'), t('analysis.conversion.order'), t('analysis.review.spend'), t('analysis.roi.cpl'), 'ROI']} />
            <tbody>
              {k.rows.map((r) => (
                <tr key={r.key}>
                  <th scope="row">
                    <Link to={`/campaigns/${r.key}`}>{k.names[r.key] ?? r.key}</Link>
                  </th>
                  <td className="num">{num(r.leads)}</td>
                  <td className="num">{pct(attainment(r))}</td>
                  <td className="num">{num(Math.round(r.orders * 10) / 10)}</td>
                  <td className="num">{money(r.cost, wb.currency)}</td>
                  <td className="num">{money(r.costPerLead == null ? null : Math.round(r.costPerLead), wb.currency)}</td>
                  <td className="num">{pct(r.roi)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="empty">{t('workbench.kpis.mine.none')}</p>
      )}
    </section>
  )
}

function GroupSummary({ wb }: { wb: Workbench }) {
  const { t, day, money, num, pct } = useI18n()
  const g = wb.group
  const lastDay = day(addDays(wb.month.to, -1))
  if (!g) return null
  const r = g.report
  const tot = r.totals
  const active = r.rows.filter((x) => x.leads || x.orders || x.cost)
  return (
    <section className="card" aria-labelledby="group-h" data-testid="workbench-group">
      <div className="card-head">
        <h2 id="group-h">{t('workbench.group')}</h2>
        <Link to={`/analysis/review?from=${wb.month.from}&to=${addDays(wb.month.to, -1)}`} className="actions btn btn-sm">
          {t('workbench.group.open')}
        </Link>
      </div>
      <p className="muted small">{t('workbench.group.period', { from: day(wb.month.from), to: lastDay })}</p>
      <StaleNotice report={r} timeZone={wb.timeZone} />
      <dl className="grid stats">
        <Stat label={t('analysis.review.spend')} testId="group-spend">
          <Versus now={tot.cost} last={tot.prior.cost} format={(v) => money(v, wb.currency)} />
        </Stat>
        <Stat label={t('analysis.conversion.lead')} testId="group-leads">
          <Versus now={tot.leads} last={tot.prior.leads} format={num} />
        </Stat>
        <Stat label={t('analysis.conversion.order')} testId="group-orders">
          <Versus now={Math.round(tot.orders * 10) / 10} last={Math.round(tot.prior.orders * 10) / 10} format={num} />
        </Stat>
        <Stat label={t('analysis.col.value')} testId="group-profit">
          <Versus now={Math.round(tot.grossProfit)} last={Math.round(tot.prior.grossProfit)} format={(v) => money(v, wb.currency)} />
        </Stat>
        <Stat label="ROI" testId="group-roi">
          {pct(tot.roi)}
        </Stat>
      </dl>
      {active.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <HeadRow first={t('common.store')} nums={[t('analysis.review.spend'), t('analysis.conversion.lead'), t('analysis.conversion.order'), t('analysis.col.value'), 'ROI']} />
            <tbody>
              {active.map((x) => (
                <tr key={x.key}>
                  <th scope="row">
                    <Link to={`/analysis/review?store=${x.key}&from=${wb.month.from}&to=${addDays(wb.month.to, -1)}`}>{g.names[x.key] ?? x.key}</Link>
                  </th>
                  <td className="num">{money(x.cost, wb.currency)}</td>
                  <td className="num">{num(x.leads)}</td>
                  <td className="num">{num(Math.round(x.orders * 10) / 10)}</td>
                  <td className="num">{money(Math.round(x.grossProfit), wb.currency)}</td>
                  <td className="num">{pct(x.roi)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="empty">{t('workbench.group.none')}</p>
      )}
    </section>
  )
}
