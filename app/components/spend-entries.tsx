import { Form } from '@remix-run/react'
import type { MessageKey } from '../i18n'
import type { FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'
import { budgetLineLabel, type CampaignData } from './campaign-view'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'

/** The spend form as posted, kept on the page when it is refused. */
export type SpendValues = { budgetLineId?: string; spentOn?: string; amountFen?: string; subsidyFen?: string; vendor?: string; note?: string }

/**
 * 实际费用 (SPEC §2, ADR 023): each payment against its budget line, with its day and the
 * manufacturer's share, so that cost splits by channel, medium and month; and the form that
 * records one. Entries are added or removed, never edited, so two people recording at once
 * never overwrite each other.
 */
export function SpendEntries({ c, canEdit, errors, values, today }: { c: CampaignData; canEdit: boolean; errors: FieldErrors; values?: SpendValues; today: string }) {
  const { t, money, day } = useI18n()
  const cur = c.store.currency
  const lineLabel = (id: string) => {
    const line = c.budgetLines.find((b) => b.id === id)
    return line ? `${t(`budgetCategory.${line.category}` as MessageKey)} · ${budgetLineLabel(c, line, t)}` : '—'
  }
  const field = (name: keyof SpendValues) => ({
    id: `spend-${name}`,
    name,
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `spend-${name}-error` : undefined,
  })
  return (
    <section className="card" aria-labelledby="spend-h" id="spend">
      <h2 id="spend-h">{t('campaign.spend.title')}</h2>
      <p className="muted small">{t('campaign.spend.hint')}</p>
      {c.spendEntries.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table data-testid="spend-entries">
            <thead>
              <tr>
                <th>{t('campaign.spend.day')}</th>
                <th>{t('campaign.spend.line')}</th>
                <th className="num">{t('campaign.spend.amount')}</th>
                <th className="num">{t('campaign.spend.subsidy')}</th>
                <th>{t('campaign.field.vendor')}</th>
                <th>{t('campaign.spend.note')}</th>
                <th>{t('campaign.spend.by')}</th>
                {canEdit ? <th className="no-print" /> : null}
              </tr>
            </thead>
            <tbody>
              {c.spendEntries.map((e) => (
                <tr key={e.id}>
                  <td>{day(e.spentOn)}</td>
                  <td>{lineLabel(e.budgetLineId)}</td>
                  <td className="num">{money(e.amountFen, cur)}</td>
                  <td className="num">{money(e.subsidyFen, cur)}</td>
                  <td>{e.vendor}</td>
                  <td>{e.note}</td>
                  <td>{e.createdBy ?? '—'}</td>
                  {canEdit ? (
                    <td className="no-print">
                      <Form method="post" onSubmit={(ev) => (window.confirm(t('campaign.spend.deleteConfirm')) ? undefined : ev.preventDefault())}>
                        <CsrfInput />
                        <input type="hidden" name="entryId" value={e.id} />
                        <button type="submit" name="intent" value="spend.delete" className="btn btn-ghost">
                          {t('campaign.spend.delete')}
                        </button>
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="empty">{t('campaign.spend.none')}</p>
      )}
      {canEdit && c.budgetLines.length ? (
        <Form method="post" className="no-print" aria-label={t('campaign.spend.add')}>
          <CsrfInput />
          <div className="grid grid-3">
            <div className="field">
              <label htmlFor="spend-budgetLineId">{t('campaign.spend.line')}</label>
              <select {...field('budgetLineId')} defaultValue={values?.budgetLineId ?? ''} required>
                <option value="" />
                {c.budgetLines.map((b) => (
                  <option key={b.id} value={b.id}>
                    {lineLabel(b.id)}
                  </option>
                ))}
              </select>
              <FieldError id="spend-budgetLineId-error" message={errors.budgetLineId} />
            </div>
            <div className="field">
              <label htmlFor="spend-spentOn">{t('campaign.spend.day')}</label>
              <input {...field('spentOn')} type="date" defaultValue={values?.spentOn ?? today} required />
              <FieldError id="spend-spentOn-error" message={errors.spentOn} />
            </div>
            <div className="field">
              <label htmlFor="spend-amountFen">{t('campaign.spend.amount')}</label>
              <input {...field('amountFen')} type="text" inputMode="decimal" className="num" defaultValue={values?.amountFen ?? ''} required />
              <FieldError id="spend-amountFen-error" message={errors.amountFen} />
            </div>
            <div className="field">
              <label htmlFor="spend-subsidyFen">{t('campaign.spend.subsidy')}</label>
              <input {...field('subsidyFen')} type="text" inputMode="decimal" className="num" defaultValue={values?.subsidyFen ?? ''} />
              <FieldError id="spend-subsidyFen-error" message={errors.subsidyFen} />
            </div>
            <div className="field">
              <label htmlFor="spend-vendor">{t('campaign.field.vendor')}</label>
              <input {...field('vendor')} type="text" maxLength={120} defaultValue={values?.vendor ?? ''} />
              <FieldError id="spend-vendor-error" message={errors.vendor} />
            </div>
            <div className="field">
              <label htmlFor="spend-note">{t('campaign.spend.note')}</label>
              <input {...field('note')} type="text" maxLength={500} defaultValue={values?.note ?? ''} />
              <FieldError id="spend-note-error" message={errors.note} />
            </div>
          </div>
          <button type="submit" name="intent" value="spend.add" className="btn btn-primary">
            {t('campaign.spend.add')}
          </button>
        </Form>
      ) : null}
    </section>
  )
}
