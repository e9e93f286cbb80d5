import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react'
import { CompetitorsDuringCard } from '../components/competitors-during'
import { competitorsDuring } from '../services/competitor-analysis.server'
import { CsrfInput } from '../components/csrf-input'
import { FieldError } from '../components/field-error'
import { StatusBadge } from '../components/status-badge'
import type { MessageKey } from '../i18n'
import { EVALUATION_CHECKS, EvaluationSchema } from '../schemas/campaign'
import { budgetSummary, getCampaign, saveEvaluation } from '../services/campaigns.server'
import { campaignResults, type CampaignResults } from '../services/analysis.server'
import { CHART_FONT, renderChartSvg } from '../services/charts.server'
import { attainmentSpec } from '../../analytics/charts/attribution'
import { ChartSvg } from '../components/charts/chart-svg'
import { translator } from '../i18n'
import { resolveLocale } from '../utils/i18n.server'
import { describeError, log } from '../utils/logger.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors, type FieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:read')
  const c = await getCampaign(user, params.campaignId!)
  const open = c.status === 'completed' || c.status === 'evaluated'
  const targets = {
    leads: c.targetLeads,
    visits: c.targetVisits,
    testDrives: c.targetTestDrives,
    orders: c.targetOrders,
    deliveries: c.targetDeliveries,
    revenue: c.targetRevenueFen,
    grossProfit: c.targetGrossProfitFen,
  }
  // measured once the campaign has run; the analytical store being unavailable is no reason to fail the page
  let results: CampaignResults | null = null
  if (['running', 'completed', 'evaluated'].includes(c.status) && c.startDate && c.endDate) {
    try {
      results = await campaignResults({ ...c, startDate: c.startDate, endDate: c.endDate })
    } catch (error) {
      log('warn', 'evaluation: measured results unavailable', { error: describeError(error) })
    }
  }
  const t = translator(resolveLocale(request, user.locale))
  const attained = results?.row
    ? TARGET_ROWS.flatMap(([key, label]) => {
        const target = targets[key]
        return target ? [{ label: t(label as MessageKey), percent: (100 * results!.row![key]) / target }] : []
      })
    : []
  const budget = roleCan(user.role, 'budget:read') ? budgetSummary(c.budgetLines, c.spendEntries) : null
  // what the data can answer of the checklist, offered until the specialist saves their own
  const suggested = {
    spendAsPlanned: budget?.actual != null && budget.actual <= budget.planned,
    stageGoals: attained.length > 0 && attained.every((a) => a.percent >= 100),
  }
  return {
    // cost and what follows from it only for those who read budgets
    results:
      results?.row && !budget
        ? { ...results, row: { ...results.row, cost: 0, subsidy: 0, netCost: 0, costPerLead: null, costPerVisit: null, costPerOrder: null, roas: null, roi: null, roiInterval: null } }
        : results,
    chart: attained.length ? await renderChartSvg(attainmentSpec(attained, { font: CHART_FONT, title: t('evaluation.attainmentChart') })) : null,
    suggested,
    id: c.id,
    name: c.name,
    status: c.status,
    version: c.version,
    currency: c.store.currency,
    analysis: c.evaluationAnalysis ?? '',
    lessons: c.evaluationLessons ?? '',
    checklist: c.evaluationChecklist ?? {},
    targets,
    budget,
    open,
    canWrite: open && roleCan(user.role, 'campaign:write') && canWriteStore(user, c.storeId),
    competitors: roleCan(user.role, 'competitor:read') ? await competitorsDuring(user, c) : null,
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'campaign:write')
  const form = await readMutationForm(request)
  const values = formToObject(form)
  const parsed = EvaluationSchema.safeParse(values)
  if (!parsed.success) return data({ errors: toFieldErrors(parsed.error), values, stale: null as number | null }, { status: 400 })
  const result = await saveEvaluation(user, params.campaignId!, parsed.data, clientIp(request))
  if (result.ok) return redirect(`/campaigns/${params.campaignId}/evaluation?notice=saved`)
  if (result.reason === 'stale') return data({ errors: {} as FieldErrors, values, stale: result.version }, { status: 409 })
  return redirect(`/campaigns/${params.campaignId}?notice=not-editable`)
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Roadshow · ${data?.name ?? ''}` }]

const TARGET_ROWS = [
  ['leads', 'campaign.field.targetLeads', 'count'],
  ['visits', 'campaign.field.targetVisits', 'count'],
  ['testDrives', 'campaign.field.targetTestDrives', 'count'],
  ['orders', 'campaign.field.targetOrders', 'count'],
  ['deliveries', 'campaign.field.targetDeliveries', 'count'],
  ['revenue', 'campaign.field.targetRevenue', 'money'],
  ['grossProfit', 'campaign.field.targetGrossProfit', 'money'],
] as const

export default function Evaluation() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const [params] = useSearchParams()
  const { t, money, num, day, pct } = useI18n()
  const errors: FieldErrors = a?.errors ?? {}
  const values = (a?.values ?? {}) as { analysis?: string; lessons?: string; checks?: string[] }
  const saved = Object.keys(d.checklist as Record<string, boolean>).length > 0
  const checked = (c: string) =>
    a ? (values.checks ?? []).includes(c) : saved ? Boolean((d.checklist as Record<string, boolean>)[c]) : Boolean((d.suggested as Record<string, boolean>)[c])
  const row = d.results?.row ?? null
  return (
    <div className="report">
      <div className="breadcrumb">
        <Link to="/campaigns">{t('campaigns.title')}</Link> / <Link to={`/campaigns/${d.id}`}>{d.name}</Link>
      </div>
      <div className="page-head">
        <h1>
          {t('evaluation.title')} <StatusBadge status={d.status} />
        </h1>
        <div className="actions no-print">
          <button type="button" className="btn" onClick={() => window.print()}>
            {t('common.print')}
          </button>
        </div>
      </div>
      {params.get('notice') === 'saved' ? (
        <div className="alert alert-success" role="status">
          {t('evaluation.saved')}
        </div>
      ) : null}
      {a?.stale ? (
        <div className="alert alert-warning" role="alert">
          {t('campaign.stale', { version: a.stale })}
        </div>
      ) : null}
      {!d.open ? <div className="alert alert-info">{t('evaluation.notYet')}</div> : null}

      <section className="card" aria-labelledby="measured-h">
        <h2 id="measured-h">{t('evaluation.measured')}</h2>
        <div className="table-wrap" tabIndex={0}>
          <table>
            <thead>
              <tr>
                <th scope="col"></th>
                <th scope="col" className="num">{t('evaluation.target')}</th>
                <th scope="col" className="num">{t('evaluation.actual')}</th>
                <th scope="col" className="num">{t('evaluation.attainment')}</th>
              </tr>
            </thead>
            <tbody>
              {TARGET_ROWS.map(([key, label, kind]) => {
                const target = d.targets[key]
                return (
                  <tr key={key}>
                    <th scope="row">{t(label as MessageKey)}</th>
                    <td className="num">{kind === 'money' ? money(target, d.currency) : num(target)}</td>
                    <td className="num" data-testid={`actual-${key}`}>
                      {row ? (kind === 'money' ? money(Math.round(row[key]), d.currency) : Number.isInteger(row[key]) ? num(row[key]) : row[key].toFixed(1)) : '—'}
                    </td>
                    <td className="num">{row && target ? pct(row[key] / target) : '—'}</td>
                  </tr>
                )
              })}
              {d.budget ? (
                <tr>
                  <th scope="row">{t('evaluation.costs')}</th>
                  <td className="num">{money(d.budget.planned, d.currency)}</td>
                  <td className="num">{money(d.budget.actual, d.currency)}</td>
                  <td className="num">{d.budget.actual != null && d.budget.planned ? pct(d.budget.actual / d.budget.planned) : '—'}</td>
                </tr>
              ) : null}
              {d.budget && row ? (
                <>
                  <tr>
                    <th scope="row">{t('evaluation.costPerLead')}</th>
                    <td className="num" />
                    <td className="num">{row.costPerLead == null ? '—' : money(Math.round(row.costPerLead), d.currency)}</td>
                    <td className="num" />
                  </tr>
                  <tr>
                    <th scope="row">{t('evaluation.costPerOrder')}</th>
                    <td className="num" />
                    <td className="num">{row.costPerOrder == null ? '—' : money(Math.round(row.costPerOrder), d.currency)}</td>
                    <td className="num" />
                  </tr>
                  <tr>
                    <th scope="row">ROI</th>
                    <td className="num" />
                    <td className="num" data-testid="roi">
                      {pct(row.roi)}
                      {row.roiInterval ? <span className="muted small"> ({pct(row.roiInterval.low)} – {pct(row.roiInterval.high)})</span> : null}
                    </td>
                    <td className="num" />
                  </tr>
                </>
              ) : null}
            </tbody>
          </table>
        </div>
        <p className="muted small" style={{ marginTop: 8 }}>
          {d.results
            ? t('evaluation.measuredHint', { from: day(d.results.from), to: day(d.results.to), model: t(`analysis.model.${d.results.model}`) })
            : t('campaign.evaluationPending')}
        </p>
        {row && row.roiInterval && row.roiInterval.low < 0 && row.roiInterval.high > 0 ? <p className="small">{t('analysis.roi.unsure')}</p> : null}
        {d.chart ? <ChartSvg className="fit" svg={d.chart} title={t('evaluation.attainmentChart')} /> : null}
      </section>

      {d.competitors ? <CompetitorsDuringCard during={d.competitors} currency={d.currency} /> : null}

      <Form method="post" className="card" aria-labelledby="summary-h">
        <h2 id="summary-h">{t('evaluation.analysis')}</h2>
        <CsrfInput />
        <input type="hidden" name="version" value={a?.stale ?? d.version} />
        <fieldset disabled={!d.canWrite}>
          <div className="field">
            <label htmlFor="analysis">{t('evaluation.analysis')}</label>
            <textarea
              id="analysis"
              name="analysis"
              rows={6}
              defaultValue={values.analysis ?? d.analysis}
              aria-invalid={errors.analysis ? true : undefined}
              aria-describedby={`analysis-hint${errors.analysis ? ' analysis-error' : ''}`}
            />
            <span className="hint" id="analysis-hint">
              {t('evaluation.analysisHint')}
            </span>
            {/* on paper the text itself, not a box that cuts it off */}
            <div className="print-only pre">{(values.analysis ?? d.analysis) || '—'}</div>
            <FieldError id="analysis-error" message={errors.analysis} />
          </div>
          <div className="field">
            <label htmlFor="lessons">{t('evaluation.lessons')}</label>
            <textarea id="lessons" name="lessons" rows={4} defaultValue={values.lessons ?? d.lessons} />
            <div className="print-only pre">{(values.lessons ?? d.lessons) || '—'}</div>
            <FieldError id="lessons-error" message={errors.lessons} />
          </div>
          <fieldset>
            <legend>{t('evaluation.checklist')}</legend>
            <div className="checks" style={{ flexDirection: 'column' }}>
              {EVALUATION_CHECKS.map((c) => (
                <label key={c} className="check">
                  <input type="checkbox" name="checks[]" value={c} defaultChecked={checked(c)} />
                  {t(`evaluation.check.${c}` as MessageKey)}
                </label>
              ))}
            </div>
          </fieldset>
          {d.canWrite ? (
            <button type="submit" className="btn btn-primary no-print">
              {t('evaluation.save')}
            </button>
          ) : d.open ? (
            <p className="muted small">{t('evaluation.readOnly')}</p>
          ) : null}
        </fieldset>
      </Form>
    </div>
  )
}
