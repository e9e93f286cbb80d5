import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Link, useLoaderData } from '@remix-run/react'
import { BudgetTable, PlanParts } from '../components/campaign-view'
import { StatusBadge } from '../components/status-badge'
import { budgetSummary, campaignForViewer, getCampaign } from '../services/campaigns.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:read')
  const campaign = await getCampaign(user, params.campaignId!)
  const showBudget = roleCan(user.role, 'budget:read')
  return {
    campaign: campaignForViewer(user, campaign),
    budget: showBudget ? budgetSummary(campaign.budgetLines, campaign.spendEntries) : null,
    showBudget,
    printedAt: new Date().toISOString(),
  }
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.campaign.name ?? 'Roadshow' }]

/** The plan as one printable document (A4), with the approval trail and signature lines. */
export default function PrintablePlan() {
  const { campaign: c, budget, showBudget, printedAt } = useLoaderData<typeof loader>()
  const { t, day, moment } = useI18n()
  return (
    <article className="print-plan">
      <div className="no-print form-actions" style={{ marginBottom: 16 }}>
        <button type="button" className="btn btn-primary" onClick={() => window.print()}>
          {t('common.print')}
        </button>
        <Link to={`/campaigns/${c.id}`} className="btn btn-ghost">
          {t('common.back')}
        </Link>
      </div>
      <header className="card">
        <p className="muted small">
          {c.store.name} · {t('campaign.printTitle')}
        </p>
        <h1>
          {c.name} <StatusBadge status={c.status} />
        </h1>
        <dl className="props">
          <dt>{t('campaign.field.form')}</dt>
          <dd>{c.form ? t(`form.${c.form}`) : '—'}</dd>
          <dt>{t('campaign.field.owner')}</dt>
          <dd>{c.ownerName ?? '—'}</dd>
          <dt>{t('campaign.field.models')}</dt>
          <dd>{c.models.join('、') || '—'}</dd>
          <dt>{t('campaigns.dates')}</dt>
          <dd>
            {day(c.startDate)} – {day(c.endDate)}
          </dd>
        </dl>
      </header>
      <PlanParts c={c} showBudget={showBudget} />
      {budget ? <BudgetTable c={c} summary={budget} /> : null}
      <section className="card">
        <h2>{t('campaign.approvals')}</h2>
        {c.history.length ? (
          <table>
            <tbody>
              {[...c.history].reverse().map((h) => (
                <tr key={h.id}>
                  <td className="nowrap">{moment(h.at, c.store.timeZone)}</td>
                  <td>{h.userName ?? '—'}</td>
                  <td>{t(`status.${h.toStatus}`)}</td>
                  <td>{h.comment}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">{t('campaign.historyEmpty')}</p>
        )}
        <div className="grid grid-3" style={{ marginTop: 24 }}>
          {(['role.specialist', 'role.manager', 'role.executive'] as const).map((role) => (
            <p key={role}>
              {t(role)} {t('campaign.signature')}: ____________
            </p>
          ))}
        </div>
      </section>
      <p className="muted small">{t('campaign.printedAt', { when: moment(printedAt, c.store.timeZone) })}</p>
    </article>
  )
}
