import type { SerializeFrom } from '@remix-run/node'
import type { MessageKey } from '../i18n'
import type { CampaignDetail } from '../services/campaigns.server'
import { useI18n } from '../utils/use-root'

export type CampaignData = SerializeFrom<CampaignDetail>

function Empty({ text }: { text: string }) {
  return <p className="muted">{text}</p>
}

/** The ten parts of a plan, read-only: the campaign page and the printable plan both use it. */
export function PlanParts({ c, showBudget }: { c: CampaignData; showBudget: boolean }) {
  const { t, day, money, num } = useI18n()
  const cur = c.store.currency
  const targets: Array<[MessageKey, string | null]> = [
    ['campaign.field.targetLeads', c.targetLeads == null ? null : num(c.targetLeads)],
    ['campaign.field.targetVisits', c.targetVisits == null ? null : num(c.targetVisits)],
    ['campaign.field.targetTestDrives', c.targetTestDrives == null ? null : num(c.targetTestDrives)],
    ['campaign.field.targetOrders', c.targetOrders == null ? null : num(c.targetOrders)],
    ['campaign.field.targetDeliveries', c.targetDeliveries == null ? null : num(c.targetDeliveries)],
    ['campaign.field.targetRevenue', c.targetRevenueFen == null ? null : money(c.targetRevenueFen, cur)],
    ['campaign.field.targetGrossProfit', c.targetGrossProfitFen == null ? null : money(c.targetGrossProfitFen, cur)],
  ]
  const setTargets = targets.filter(([, v]) => v != null)
  return (
    <>
      <section className="card" aria-labelledby="p1">
        <h2 id="p1">{t('campaign.section.background')}</h2>
        {c.background ? <p className="pre">{c.background}</p> : <Empty text="—" />}
      </section>
      <div className="grid grid-2">
        <section className="card" aria-labelledby="p2">
          <h2 id="p2">{t('campaign.section.purposes')}</h2>
          {c.purposes.length ? (
            <ul>
              {c.purposes.map((p) => (
                <li key={p}>{t(`purpose.${p}` as MessageKey)}</li>
              ))}
            </ul>
          ) : (
            <Empty text="—" />
          )}
        </section>
        <section className="card" aria-labelledby="p3">
          <h2 id="p3">{t('campaign.section.theme')}</h2>
          <p>{c.theme || '—'}</p>
          <h2 id="p4">{t('campaign.section.time')}</h2>
          <dl className="props">
            <dt>{t('campaign.field.warmupStart')}</dt>
            <dd>{day(c.warmupStart)}</dd>
            <dt>{t('campaign.field.startDate')}</dt>
            <dd>{day(c.startDate)}</dd>
            <dt>{t('campaign.field.endDate')}</dt>
            <dd>{day(c.endDate)}</dd>
          </dl>
        </section>
      </div>
      <section className="card" aria-labelledby="p5">
        <h2 id="p5">{t('campaign.section.execution')}</h2>
        {c.executionContent ? <p className="pre">{c.executionContent}</p> : <Empty text="—" />}
      </section>
      <section className="card" aria-labelledby="p6">
        <h2 id="p6">{t('campaign.section.tasks')}</h2>
        {c.tasks.length ? (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th>{t('campaign.field.taskTitle')}</th>
                  <th>{t('campaign.field.taskOwner')}</th>
                  <th>{t('campaign.field.taskDue')}</th>
                  <th>{t('campaign.field.taskStatus')}</th>
                </tr>
              </thead>
              <tbody>
                {c.tasks.map((task) => (
                  <tr key={task.id}>
                    <td>{task.title}</td>
                    <td>{task.owner}</td>
                    <td className="nowrap">{day(task.dueDate)}</td>
                    <td>{t(`taskStatus.${task.status}`)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <Empty text={t('campaign.noTasks')} />
        )}
      </section>
      <section className="card" aria-labelledby="p7">
        <h2 id="p7">{t('campaign.section.targets')}</h2>
        {setTargets.length ? (
          <dl className="grid grid-4" style={{ margin: 0 }}>
            {setTargets.map(([label, value]) => (
              <div key={label} className="stat">
                <dt>{t(label)}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        ) : (
          <Empty text={t('campaign.targetsNone')} />
        )}
      </section>
      <section className="card" aria-labelledby="p8">
        <h2 id="p8">{t('campaign.section.media')}</h2>
        {c.placements.length ? (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th>{t('campaign.field.medium')}</th>
                  <th>{t('campaign.field.platform')}</th>
                  <th>{t('campaign.field.adPurpose')}</th>
                  <th>{t('campaign.field.nature')}</th>
                  <th>{t('campaign.field.audience')}</th>
                  <th>{t('campaigns.period')}</th>
                  {showBudget ? <th className="num">{t('campaign.field.cost')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {c.placements.map((p) => (
                  <tr key={p.id}>
                    <td>{t(`medium.${p.medium}` as MessageKey)}</td>
                    <td>{p.platform}</td>
                    <td>{t(`adPurpose.${p.purpose}` as MessageKey)}</td>
                    <td>{t(`adNature.${p.nature}` as MessageKey)}</td>
                    <td>{p.audience}</td>
                    <td className="nowrap">
                      {day(p.startDate)} – {day(p.endDate)}
                    </td>
                    {showBudget ? <td className="num">{money(p.costFen, cur)}</td> : null}
                  </tr>
                ))}
              </tbody>
              {showBudget ? (
                <tfoot>
                  <tr>
                    <td colSpan={6}>{t('campaign.mediaTotal')}</td>
                    <td className="num">{money(c.placements.reduce((s, p) => s + p.costFen, 0), cur)}</td>
                  </tr>
                </tfoot>
              ) : null}
            </table>
          </div>
        ) : (
          <Empty text={t('campaign.noPlacements')} />
        )}
      </section>
      <section className="card" aria-labelledby="p9">
        <h2 id="p9">{t('campaign.section.promotions')}</h2>
        {c.promotions.length ? (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th>{t('campaign.field.promotionKind')}</th>
                  <th>{t('campaign.field.promotionDescription')}</th>
                  {showBudget ? <th className="num">{t('campaign.field.unitCost')}</th> : null}
                  <th className="num">{t('campaign.field.expectedUnits')}</th>
                </tr>
              </thead>
              <tbody>
                {c.promotions.map((p) => (
                  <tr key={p.id}>
                    <td>{t(`promotionKind.${p.kind}` as MessageKey)}</td>
                    <td>{p.description}</td>
                    {showBudget ? <td className="num">{money(p.unitCostFen, cur)}</td> : null}
                    <td className="num">{num(p.expectedUnits)}</td>
                  </tr>
                ))}
              </tbody>
              {showBudget ? (
                <tfoot>
                  <tr>
                    <td colSpan={2}>{t('campaign.promotionTotal')}</td>
                    <td className="num" colSpan={2}>
                      {money(c.promotions.reduce((s, p) => s + p.unitCostFen * p.expectedUnits, 0), cur)}
                    </td>
                  </tr>
                </tfoot>
              ) : null}
            </table>
          </div>
        ) : (
          <Empty text={t('campaign.noPromotions')} />
        )}
      </section>
    </>
  )
}

export type BudgetSummary = { planned: number; actual: number | null; subsidy: number; netCost: number; overBy: number; usedShare: number | null }

/** What a budget line is about: its placement's medium and platform, or its description. */
export function budgetLineLabel(c: Pick<CampaignData, 'placements'>, b: { placementId: string | null; description: string }, t: (key: MessageKey) => string) {
  const placement = b.placementId ? c.placements.find((p) => p.id === b.placementId) : undefined
  if (!placement) return b.description
  const medium = t(`medium.${placement.medium}` as MessageKey)
  return placement.platform ? `${medium} · ${placement.platform}` : medium
}

/** Budget lines planned vs actual, with the over-budget warning. */
export function BudgetTable({ c, summary }: { c: CampaignData; summary: BudgetSummary }) {
  const { t, money, locale } = useI18n()
  const cur = c.store.currency
  const pct = summary.usedShare == null ? null : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(summary.usedShare)
  return (
    <section className="card" aria-labelledby="p10">
      <h2 id="p10">{t('campaign.section.budget')}</h2>
      {summary.overBy > 0 ? (
        <div className="alert alert-danger" role="alert">
          <strong>{t('campaign.overBudget', { amount: money(summary.overBy, cur) })}</strong>
        </div>
      ) : null}
      <dl className="grid grid-4" style={{ margin: '0 0 12px' }}>
        <div className="stat">
          <dt>{t('campaign.plannedTotal')}</dt>
          <dd>{money(summary.planned, cur)}</dd>
        </div>
        <div className="stat">
          <dt>{t('campaign.actualTotal')}</dt>
          <dd>{money(summary.actual, cur)}</dd>
        </div>
        <div className="stat">
          <dt>{t('campaign.subsidyTotal')}</dt>
          <dd>{money(summary.subsidy, cur)}</dd>
        </div>
        <div className="stat">
          <dt>{t('campaign.netCost')}</dt>
          <dd>{money(summary.netCost, cur)}</dd>
        </div>
      </dl>
      {pct ? (
        <div style={{ marginBottom: 12 }}>
          <div className={`progress ${summary.overBy > 0 ? 'over' : ''}`} aria-hidden="true">
            <span style={{ width: `${Math.min(100, (summary.usedShare ?? 0) * 100)}%` }} />
          </div>
          <span className="small muted">{t('campaign.budgetUsed', { percent: pct })}</span>
        </div>
      ) : null}
      {c.budgetLines.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th>{t('campaign.field.category')}</th>
                <th>{t('campaign.field.budgetDescription')}</th>
                <th>{t('campaign.field.vendor')}</th>
                <th className="num">{t('campaign.field.planned')}</th>
                <th className="num">{t('campaign.field.actual')}</th>
                <th className="num">{t('campaign.field.subsidy')}</th>
              </tr>
            </thead>
            <tbody>
              {c.budgetLines.map((b) => {
                const over = b.actualFen != null && b.actualFen > b.plannedFen
                // received once spend is recorded, expected before
                const entries = c.spendEntries.filter((e) => e.budgetLineId === b.id)
                const subsidy = c.spendEntries.length ? entries.reduce((sum, e) => sum + e.subsidyFen, 0) : b.subsidyFen
                const vendors = [...new Set([b.vendor, ...entries.map((e) => e.vendor)].filter(Boolean))].join('、')
                return (
                  <tr key={b.id}>
                    <td>{t(`budgetCategory.${b.category}` as MessageKey)}</td>
                    <td>{budgetLineLabel(c, b, t)}</td>
                    <td>{vendors}</td>
                    <td className="num">{money(b.plannedFen, cur)}</td>
                    <td className="num">
                      {money(b.actualFen, cur)} {over ? <span className="badge badge-over">{t('campaign.overBudgetLine')}</span> : null}
                    </td>
                    <td className="num">{money(subsidy, cur)}</td>
                  </tr>
                )
              })}
            </tbody>
            <tfoot>
              <tr>
                <td colSpan={3}>{t('common.total', { count: c.budgetLines.length })}</td>
                <td className="num">{money(summary.planned, cur)}</td>
                <td className="num">{money(summary.actual, cur)}</td>
                <td className="num">{money(summary.subsidy, cur)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      ) : (
        <Empty text={t('campaign.noBudget')} />
      )}
    </section>
  )
}
