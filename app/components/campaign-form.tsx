import { Form, useNavigation } from '@remix-run/react'
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react'
import {
  AD_NATURES,
  AD_PURPOSES,
  BUDGET_CATEGORIES,
  CAMPAIGN_FORMS,
  CAMPAIGN_PURPOSES,
  MEDIA,
  PROMOTION_KINDS,
  TASK_STATUSES,
} from '../../db/schema/enums'
import type { MessageKey } from '../i18n'
import {
  EMPTY_ROWS,
  FIELD_LABELS,
  LIST_LABELS,
  planCostLines,
  planProgress,
  type PlanFormValues,
  type RowList,
  type RowValues,
} from '../utils/campaign-form-values'
import { formToObject, type FieldErrors } from '../utils/form'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'
import { FormErrors } from './form-errors'

type Option = { value: string; label: string }

type Props = {
  values: PlanFormValues
  errors: FieldErrors
  stores: Option[]
  owners: Option[]
  version?: number
  submitLabel: string
  cancelHref: string
  notice?: ReactNode
}

const SECTIONS = [
  ['basics', 'campaign.section.basics'],
  ['background', 'campaign.section.background'],
  ['purposes', 'campaign.section.purposes'],
  ['theme', 'campaign.section.theme'],
  ['time', 'campaign.section.time'],
  ['execution', 'campaign.section.execution'],
  ['tasks', 'campaign.section.tasks'],
  ['targets', 'campaign.section.targets'],
  ['media', 'campaign.section.media'],
  ['promotions', 'campaign.section.promotions'],
  ['budget', 'campaign.section.budget'],
] as const satisfies ReadonlyArray<readonly [string, MessageKey]>

const SECTION_FIELDS: Record<string, string[]> = {
  basics: ['name', 'storeId', 'form', 'ownerId', 'models'],
  background: ['background'],
  purposes: ['purposes'],
  theme: ['theme'],
  time: ['warmupStart', 'startDate', 'endDate'],
  execution: ['executionContent'],
  tasks: ['tasks'],
  targets: ['targetLeads', 'targetVisits', 'targetTestDrives', 'targetOrders', 'targetDeliveries', 'targetRevenueFen', 'targetGrossProfitFen'],
  media: ['placements'],
  promotions: ['promotions'],
  budget: ['budgetLines'],
}

function sectionHasError(section: string, errors: FieldErrors) {
  const fields = SECTION_FIELDS[section] ?? []
  return Object.keys(errors).some((path) => fields.some((f) => path === f || path.startsWith(`${f}.`)))
}

/** A labelled input with its error, wired for screen readers. */
function Field({
  name,
  label,
  error,
  hint,
  required,
  children,
}: {
  name: string
  label: string
  error?: string
  hint?: string
  /** marked on the label (a dot, not text) and told to screen readers by aria-required */
  required?: boolean
  children: (props: { id: string; name: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string; 'aria-required'?: true }) => ReactNode
}) {
  const id = `f-${name}`
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined
  return (
    <div className="field">
      <label htmlFor={id} className={required ? 'required' : undefined}>
        {label}
      </label>
      {children({ id, name, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy, ...(required ? { 'aria-required': true as const } : {}) })}
      {hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  )
}

const LIST_SECTIONS: Record<RowList, string> = { tasks: 'tasks', placements: 'media', promotions: 'promotions', budgetLines: 'budget' }
const COLUMN_LABELS: Record<string, MessageKey> = {
  title: 'campaign.field.taskTitle',
  owner: 'campaign.field.taskOwner',
  dueDate: 'campaign.field.taskDue',
  status: 'campaign.field.taskStatus',
  medium: 'campaign.field.medium',
  platform: 'campaign.field.platform',
  purpose: 'campaign.field.adPurpose',
  nature: 'campaign.field.nature',
  audience: 'campaign.field.audience',
  startDate: 'campaign.field.placementStart',
  endDate: 'campaign.field.placementEnd',
  costFen: 'campaign.field.cost',
  kind: 'campaign.field.promotionKind',
  unitCostFen: 'campaign.field.unitCost',
  expectedUnits: 'campaign.field.expectedUnits',
  category: 'campaign.field.category',
  plannedFen: 'campaign.field.planned',
  vendor: 'campaign.field.vendor',
  subsidyFen: 'campaign.field.subsidy',
}

/** Each field with an error, named as the form labels it and linked to it, in the form's order. */
export function errorLinks(errors: FieldErrors, t: (key: MessageKey, vars?: Record<string, string | number>) => string) {
  const order = (key: string) => {
    const top = key.split('.')[0]!
    const i = Object.keys(FIELD_LABELS).indexOf(top)
    return i >= 0 ? i : Object.keys(FIELD_LABELS).length + Object.keys(LIST_LABELS).indexOf(top)
  }
  return Object.keys(errors)
    .filter((k) => k !== '_form')
    .sort((a, b) => order(a) - order(b))
    .map((key) => {
      const row = /^(tasks|placements|promotions|budgetLines)\.(\d+)\.(\w+)$/.exec(key)
      if (row) {
        const [, list, i, column] = row as unknown as [string, RowList, string, string]
        const columnLabel = column === 'description' ? (list === 'promotions' ? 'campaign.field.promotionDescription' : 'campaign.field.budgetDescription') : COLUMN_LABELS[column]
        return {
          key,
          href: `#${list}-${i}-${column}`,
          label: `${t(LIST_LABELS[list])} · ${t('campaign.row', { n: Number(i) + 1 })} · ${columnLabel ? t(columnLabel) : column}`,
        }
      }
      if (key in LIST_LABELS) return { key, href: `#${LIST_SECTIONS[key as RowList]}`, label: t(LIST_LABELS[key as RowList]) }
      if (key === 'purposes') return { key, href: '#purposes', label: t('campaign.field.purposes') }
      return { key, href: `#f-${key}`, label: FIELD_LABELS[key] ? t(FIELD_LABELS[key]!) : key }
    })
}

type Column = {
  key: string
  label: MessageKey
  type: 'text' | 'date' | 'money' | 'count' | 'select'
  options?: Option[]
  width?: number
}

let rowSeq = 0
type KeyedRow = { key: string; values: RowValues }
const keyed = (rows: RowValues[] | undefined): KeyedRow[] => (rows ?? []).map((values) => ({ key: values.id ?? `n${rowSeq++}`, values }))

/** One field of a plan row: a select or an input named `list[i].key`, with its error under it. */
function RowControl({ list, i, column: c, row, error, labelledBy }: { list: RowList; i: number; column: Column; row: KeyedRow; error?: string; labelledBy: string }) {
  const common = {
    id: `${list}-${i}-${c.key}`,
    name: `${list}[${i}].${c.key}`,
    defaultValue: row.values[c.key] ?? '',
    // the column and the row: "渠道 第 1 行"
    'aria-labelledby': labelledBy,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${list}-${i}-${c.key}-error` : undefined,
  }
  return (
    <>
      {c.type === 'select' ? (
        <select {...common}>
          {c.options!.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          {...common}
          type={c.type === 'date' ? 'date' : 'text'}
          inputMode={c.type === 'money' ? 'decimal' : c.type === 'count' ? 'numeric' : undefined}
          className={c.type === 'money' || c.type === 'count' ? 'num' : undefined}
        />
      )}
      <FieldError id={`${list}-${i}-${c.key}-error`} message={error} />
    </>
  )
}

/** Removes a row: in the page with JavaScript, through the server (`remove:list:i`) without. */
function RemoveRow({ list, i, onRemove }: { list: RowList; i: number; onRemove: () => void }) {
  const { t } = useI18n()
  return (
    <button
      type="submit"
      name="intent"
      value={`remove:${list}:${i}`}
      formNoValidate
      className="btn btn-ghost btn-sm btn-danger"
      aria-label={t('campaign.removeRow', { n: i + 1 })}
      onClick={(e) => {
        e.preventDefault()
        onRemove()
      }}
    >
      ×
    </button>
  )
}

/** An editable list of rows (tasks, placements, …) that works with and without JavaScript. */
function RowsEditor({
  list,
  columns,
  rows,
  errors,
  addLabel,
  emptyText,
  onChange,
  stacked = false,
}: {
  list: RowList
  columns: Column[]
  rows: KeyedRow[]
  errors: FieldErrors
  addLabel: string
  emptyText: string
  onChange: (rows: KeyedRow[]) => void
  /** each row a card of labelled fields that wrap to the width (a list too wide for a table row) */
  stacked?: boolean
}) {
  const { t } = useI18n()
  const remove = (row: KeyedRow) => () => onChange(rows.filter((r) => r.key !== row.key))
  return (
    <>
      {rows.length && stacked ? (
        <ol className="row-cards" data-testid={`${list}-rows`}>
          {rows.map((row, i) => (
            <li key={row.key} className="row-card">
              <div className="row-card-head">
                <strong className="small" id={`${list}-r-${i}`}>
                  {t('campaign.row', { n: i + 1 })}
                </strong>
                {row.values.id ? <input type="hidden" name={`${list}[${i}].id`} value={row.values.id} /> : null}
                <RemoveRow list={list} i={i} onRemove={remove(row)} />
              </div>
              <div className="row-card-fields">
                {columns.map((c) => (
                  <div key={c.key} className="field">
                    <label id={`${list}-${i}-l-${c.key}`} htmlFor={`${list}-${i}-${c.key}`}>
                      {t(c.label)}
                    </label>
                    <RowControl list={list} i={i} column={c} row={row} error={errors[`${list}.${i}.${c.key}`]} labelledBy={`${list}-${i}-l-${c.key} ${list}-r-${i}`} />
                  </div>
                ))}
              </div>
            </li>
          ))}
        </ol>
      ) : rows.length ? (
        <div className="table-wrap" tabIndex={0}>
          <table className="table-edit">
            <thead>
              <tr>
                <th scope="col">#</th>
                {columns.map((c) => (
                  <th key={c.key} scope="col" id={`${list}-h-${c.key}`} style={c.width ? { minWidth: c.width } : undefined}>
                    {t(c.label)}
                  </th>
                ))}
                <th scope="col">
                  <span className="visually-hidden">{t('common.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={row.key}>
                  <td className="muted" id={`${list}-r-${i}`}>
                    <span aria-hidden="true">{i + 1}</span>
                    <span className="visually-hidden">{t('campaign.row', { n: i + 1 })}</span>
                    {row.values.id ? <input type="hidden" name={`${list}[${i}].id`} value={row.values.id} /> : null}
                  </td>
                  {columns.map((c) => (
                    <td key={c.key}>
                      <RowControl list={list} i={i} column={c} row={row} error={errors[`${list}.${i}.${c.key}`]} labelledBy={`${list}-h-${c.key} ${list}-r-${i}`} />
                    </td>
                  ))}
                  <td>
                    <RemoveRow list={list} i={i} onRemove={remove(row)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">{emptyText}</p>
      )}
      {errors[list] ? <FieldError id={`${list}-error`} message={errors[list]} /> : null}
      <p style={{ marginTop: 8 }}>
        <button
          type="submit"
          name="intent"
          value={`add:${list}`}
          formNoValidate
          className="btn btn-sm"
          onClick={(e) => {
            e.preventDefault()
            onChange([...rows, ...keyed([{ ...EMPTY_ROWS[list] }])])
          }}
        >
          + {addLabel}
        </button>
      </p>
    </>
  )
}

/** The error key of a form control's name: `placements[0].costFen` → `placements.0.costFen`, `purposes[]` → `purposes`. */
export function errorKeyOf(name: string) {
  return name.replace(/\[(\d+)\]\./g, '.$1.').replace(/\[\]$/, '')
}

export function CampaignForm({ values, errors: serverErrors, stores, owners, version, submitLabel, cancelHref, notice }: Props) {
  // a field the person has changed since the server answered is no longer shown as wrong: the
  // summary, the section dots and the field's own message follow as the fields are fixed
  const [fixed, setFixed] = useState<ReadonlySet<string>>(() => new Set())
  const answer = JSON.stringify(serverErrors)
  useEffect(() => setFixed(new Set()), [answer])
  const errors = useMemo(() => Object.fromEntries(Object.entries(serverErrors).filter(([k]) => !fixed.has(k))) as FieldErrors, [serverErrors, fixed])
  const { t, money } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const formRef = useRef<HTMLFormElement>(null)
  const [rows, setRows] = useState<Record<RowList, KeyedRow[]>>(() => ({
    tasks: keyed(values.tasks),
    placements: keyed(values.placements),
    promotions: keyed(values.promotions),
    budgetLines: keyed(values.budgetLines),
  }))
  const [progress, setProgress] = useState(() => planProgress(values))
  const [costLines, setCostLines] = useState(() => planCostLines(values))
  const recompute = useCallback(() => {
    if (!formRef.current) return
    const current = formToObject(new FormData(formRef.current)) as PlanFormValues
    setProgress(planProgress(current))
    setCostLines(planCostLines(current))
  }, [])
  const onFormChange = (e: FormEvent<HTMLFormElement>) => {
    const name = (e.target as HTMLInputElement).name
    const key = name ? errorKeyOf(name) : ''
    if (key && key in serverErrors && !fixed.has(key)) setFixed((prev) => new Set(prev).add(key))
    recompute()
  }
  const setList = (list: RowList) => (next: KeyedRow[]) => {
    setRows((r) => ({ ...r, [list]: next }))
    setTimeout(recompute)
  }
  const opt = (prefix: string, values: readonly string[]): Option[] =>
    values.map((v) => ({ value: v, label: t(`${prefix}.${v}` as MessageKey) }))
  const partDone: Record<string, boolean> = { basics: true, ...progress.parts }

  return (
    <Form method="post" ref={formRef} onChange={onFormChange} noValidate className="plan-layout">
      <aside className="plan-toc no-print" aria-label={t('campaign.progress', { done: progress.done, total: progress.total })}>
        <strong className="small">{t('campaign.progress', { done: progress.done, total: progress.total })}</strong>
        <div className="progress" style={{ marginTop: 6 }} aria-hidden="true">
          <span style={{ width: `${(progress.done / progress.total) * 100}%` }} />
        </div>
        <ol>
          {SECTIONS.map(([id, label]) => (
            <li key={id}>
              <a href={`#${id}`}>
                <span className={`dot ${sectionHasError(id, errors) ? 'error' : partDone[id] ? 'done' : ''}`} />
                {t(label)}
              </a>
            </li>
          ))}
        </ol>
      </aside>
      <div>
        {/* Enter in a text field submits with the first submit button: make that one "save", not "remove row". */}
        <button type="submit" name="intent" value="save" className="visually-hidden" tabIndex={-1} aria-hidden="true" />
        <CsrfInput />
        {version ? <input type="hidden" name="version" value={version} /> : null}
        {notice}
        <FormErrors errors={errors} fields={errorLinks(errors, t)} />
        <p className="muted small">
          <span className="required-dot" aria-hidden="true" /> {t('campaign.requiredNote')}
        </p>

        <section className="card section" id="basics" aria-labelledby="basics-h">
          <h2 id="basics-h">{t('campaign.section.basics')}</h2>
          <div className="grid grid-2">
            <Field required name="name" label={t('campaign.field.name')} error={errors.name}>
              {(p) => <input {...p} type="text" defaultValue={values.name} maxLength={120} />}
            </Field>
            <Field required name="storeId" label={t('campaign.field.store')} error={errors.storeId}>
              {(p) => (
                <select {...p} defaultValue={values.storeId}>
                  {stores.map((s) => (
                    <option key={s.value} value={s.value}>
                      {s.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field required name="form" label={t('campaign.field.form')} error={errors.form}>
              {(p) => (
                <select {...p} defaultValue={values.form ?? ''}>
                  <option value="">{t('campaign.chooseCategory')}</option>
                  {opt('form', CAMPAIGN_FORMS).map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field name="ownerId" label={t('campaign.field.owner')} error={errors.ownerId}>
              {(p) => (
                <select {...p} defaultValue={values.ownerId}>
                  <option value="">—</option>
                  {owners.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <Field name="models" label={t('campaign.field.models')} error={errors.models} hint={t('campaign.field.modelsHint')}>
            {(p) => <input {...p} type="text" defaultValue={values.models} />}
          </Field>
        </section>

        <section className="card section" id="background" aria-labelledby="background-h">
          <h2 id="background-h">{t('campaign.section.background')}</h2>
          <Field name="background" label={t('campaign.field.background')} error={errors.background}>
            {(p) => <textarea {...p} defaultValue={values.background} rows={4} />}
          </Field>
        </section>

        <section className="card section" id="purposes" aria-labelledby="purposes-h">
          <h2 id="purposes-h">{t('campaign.section.purposes')}</h2>
          <fieldset aria-describedby={errors.purposes ? 'f-purposes-error' : undefined}>
            <legend className="required">{t('campaign.field.purposes')}</legend>
            <div className="checks">
              {opt('purpose', CAMPAIGN_PURPOSES).map((o) => (
                <label key={o.value} className="check">
                  <input type="checkbox" name="purposes[]" value={o.value} defaultChecked={values.purposes?.includes(o.value)} />
                  {o.label}
                </label>
              ))}
            </div>
            <FieldError id="f-purposes-error" message={errors.purposes} />
          </fieldset>
        </section>

        <section className="card section" id="theme" aria-labelledby="theme-h">
          <h2 id="theme-h">{t('campaign.section.theme')}</h2>
          <Field name="theme" label={t('campaign.field.theme')} error={errors.theme}>
            {(p) => <input {...p} type="text" defaultValue={values.theme} maxLength={200} />}
          </Field>
        </section>

        <section className="card section" id="time" aria-labelledby="time-h">
          <h2 id="time-h">{t('campaign.section.time')}</h2>
          <div className="grid grid-3">
            <Field name="warmupStart" label={t('campaign.field.warmupStart')} error={errors.warmupStart}>
              {(p) => <input {...p} type="date" defaultValue={values.warmupStart} />}
            </Field>
            <Field required name="startDate" label={t('campaign.field.startDate')} error={errors.startDate}>
              {(p) => <input {...p} type="date" defaultValue={values.startDate} />}
            </Field>
            <Field required name="endDate" label={t('campaign.field.endDate')} error={errors.endDate}>
              {(p) => <input {...p} type="date" defaultValue={values.endDate} />}
            </Field>
          </div>
        </section>

        <section className="card section" id="execution" aria-labelledby="execution-h">
          <h2 id="execution-h">{t('campaign.section.execution')}</h2>
          <Field name="executionContent" label={t('campaign.field.executionContent')} error={errors.executionContent}>
            {(p) => <textarea {...p} defaultValue={values.executionContent} rows={6} />}
          </Field>
        </section>

        <section className="card section" id="tasks" aria-labelledby="tasks-h">
          <h2 id="tasks-h">{t('campaign.section.tasks')}</h2>
          <RowsEditor
            list="tasks"
            rows={rows.tasks}
            errors={errors}
            onChange={setList('tasks')}
            addLabel={t('campaign.addTask')}
            emptyText={t('campaign.noTasks')}
            columns={[
              { key: 'title', label: 'campaign.field.taskTitle', type: 'text', width: 200 },
              { key: 'owner', label: 'campaign.field.taskOwner', type: 'text', width: 110 },
              { key: 'dueDate', label: 'campaign.field.taskDue', type: 'date' },
              { key: 'status', label: 'campaign.field.taskStatus', type: 'select', options: opt('taskStatus', TASK_STATUSES) },
            ]}
          />
        </section>

        <section className="card section" id="targets" aria-labelledby="targets-h">
          <h2 id="targets-h">{t('campaign.section.targets')}</h2>
          <div className="grid grid-4">
            {(
              [
                ['targetLeads', 'campaign.field.targetLeads', 'numeric'],
                ['targetVisits', 'campaign.field.targetVisits', 'numeric'],
                ['targetTestDrives', 'campaign.field.targetTestDrives', 'numeric'],
                ['targetOrders', 'campaign.field.targetOrders', 'numeric'],
                ['targetDeliveries', 'campaign.field.targetDeliveries', 'numeric'],
                ['targetRevenueFen', 'campaign.field.targetRevenue', 'decimal'],
                ['targetGrossProfitFen', 'campaign.field.targetGrossProfit', 'decimal'],
              ] as const
            ).map(([name, label, mode]) => (
              <Field key={name} name={name} label={t(label)} error={errors[name]}>
                {(p) => <input {...p} type="text" inputMode={mode} className="num" defaultValue={values[name]} />}
              </Field>
            ))}
          </div>
        </section>

        <section className="card section" id="media" aria-labelledby="media-h">
          <h2 id="media-h">{t('campaign.section.media')}</h2>
          <RowsEditor
            list="placements"
            stacked
            rows={rows.placements}
            errors={errors}
            onChange={setList('placements')}
            addLabel={t('campaign.addPlacement')}
            emptyText={t('campaign.noPlacements')}
            columns={[
              { key: 'medium', label: 'campaign.field.medium', type: 'select', options: opt('medium', MEDIA) },
              { key: 'platform', label: 'campaign.field.platform', type: 'text', width: 150 },
              { key: 'purpose', label: 'campaign.field.adPurpose', type: 'select', options: opt('adPurpose', AD_PURPOSES) },
              { key: 'nature', label: 'campaign.field.nature', type: 'select', options: opt('adNature', AD_NATURES) },
              { key: 'audience', label: 'campaign.field.audience', type: 'text', width: 130 },
              { key: 'startDate', label: 'campaign.field.placementStart', type: 'date' },
              { key: 'endDate', label: 'campaign.field.placementEnd', type: 'date' },
              { key: 'costFen', label: 'campaign.field.cost', type: 'money' },
            ]}
          />
        </section>

        <section className="card section" id="promotions" aria-labelledby="promotions-h">
          <h2 id="promotions-h">{t('campaign.section.promotions')}</h2>
          <RowsEditor
            list="promotions"
            rows={rows.promotions}
            errors={errors}
            onChange={setList('promotions')}
            addLabel={t('campaign.addPromotion')}
            emptyText={t('campaign.noPromotions')}
            columns={[
              { key: 'kind', label: 'campaign.field.promotionKind', type: 'select', options: opt('promotionKind', PROMOTION_KINDS) },
              { key: 'description', label: 'campaign.field.promotionDescription', type: 'text', width: 260 },
              { key: 'unitCostFen', label: 'campaign.field.unitCost', type: 'money' },
              { key: 'expectedUnits', label: 'campaign.field.expectedUnits', type: 'count' },
            ]}
          />
        </section>

        <section className="card section" id="budget" aria-labelledby="budget-h">
          <h2 id="budget-h">{t('campaign.section.budget')}</h2>
          <p className="muted small">{t('campaign.budgetFromPlan')}</p>
          {costLines.length ? (
            <div className="table-wrap" tabIndex={0}>
              <table className="plan-cost-lines" data-testid="plan-cost-lines">
                <caption className="visually-hidden">{t('campaign.budgetPlanLines')}</caption>
                <tbody>
                  {costLines.map((line, i) => (
                    <tr key={i}>
                      <td>{t(`budgetCategory.${line.kind}` as MessageKey)}</td>
                      <td>{[line.medium ? t(`medium.${line.medium}` as MessageKey) : '', line.text].filter(Boolean).join(' · ')}</td>
                      <td className="num">{money(Math.round(line.yuan * 100))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <RowsEditor
            list="budgetLines"
            rows={rows.budgetLines}
            errors={errors}
            onChange={setList('budgetLines')}
            addLabel={t('campaign.addBudgetLine')}
            emptyText={t('campaign.noBudget')}
            columns={[
              { key: 'category', label: 'campaign.field.category', type: 'select', options: [{ value: '', label: t('campaign.chooseCategory') }, ...opt('budgetCategory', BUDGET_CATEGORIES)] },
              { key: 'description', label: 'campaign.field.budgetDescription', type: 'text', width: 160 },
              { key: 'plannedFen', label: 'campaign.field.planned', type: 'money' },
              { key: 'vendor', label: 'campaign.field.vendor', type: 'text', width: 120 },
              { key: 'subsidyFen', label: 'campaign.field.subsidy', type: 'money' },
            ]}
          />
        </section>

        <div className="form-actions form-sticky">
          <button type="submit" name="intent" value="save" className="btn btn-primary" disabled={busy}>
            {submitLabel}
          </button>
          <a href={cancelHref} className="btn btn-ghost">
            {t('common.cancel')}
          </a>
        </div>
      </div>
    </Form>
  )
}
