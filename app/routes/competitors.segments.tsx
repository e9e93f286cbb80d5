import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { CompetitorTabs } from '../components/competitor-tabs'
import { CsrfInput } from '../components/csrf-input'
import { FieldError } from '../components/field-error'
import { SegmentSchema } from '../schemas/competitor'
import { deleteSegment, listSegments, saveSegment, type Segment } from '../services/competitors.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors, type FieldErrors } from '../utils/form'
import { clientIp } from '../utils/http.server'
import { badInput } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'
import { isUuid } from '../utils/ids'

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  return { segments: await listSegments(user), canManage: roleCan(user.role, 'segment:manage') }
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'segment:manage')
  const form = await readMutationForm(request)
  const intent = String(form.get('intent') ?? '')
  const id = form.get('id')
  if (intent === 'delete') {
    if (!isUuid(id)) badInput(request, [{ field: 'id', message: 'validation.invalid' }], user)
    await deleteSegment(user, id, clientIp(request))
    return redirect('/competitors/segments?notice=deleted')
  }
  if (intent !== 'save') badInput(request, [{ field: 'intent', message: 'validation.invalid' }], user)
  if (id && !isUuid(id)) badInput(request, [{ field: 'id', message: 'validation.invalid' }], user)
  const values = formToObject(form) as Record<string, string>
  const key = isUuid(id) ? id : 'new'
  const parsed = SegmentSchema.safeParse(values)
  if (!parsed.success) return data({ key, values, errors: toFieldErrors(parsed.error) }, { status: 400 })
  const result = await saveSegment(user, isUuid(id) ? id : null, parsed.data, clientIp(request))
  if (!result.ok) return data({ key, values, errors: { name: 'competitors.validation.nameTaken' } as FieldErrors }, { status: 409 })
  return redirect(`/competitors/segments?notice=${isUuid(id) ? 'saved' : 'created'}#segment-${result.id}`)
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'segments.title')

const lines = (models: Segment['ours']) => models.map((m) => `${m.brand} ${m.model}`).join('\n')
const NOTICES = { created: 'segments.created', saved: 'segments.saved', deleted: 'segments.deleted' } as const

export default function Segments() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const [params] = useSearchParams()
  const { t } = useI18n()
  const notice = NOTICES[(params.get('notice') ?? '') as keyof typeof NOTICES]
  const mine = (key: string) => (a?.key === key ? a : null)
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / {t('segments.title')}
      </div>
      <h1>{t('segments.title')}</h1>
      <CompetitorTabs />
      <p className="muted">{t('segments.intro')}</p>
      {notice ? (
        <div className="alert alert-success" role="status">
          {t(notice)}
        </div>
      ) : null}
      {!d.canManage ? <p className="muted small">{t('segments.readOnly')}</p> : null}
      {d.segments.length ? null : <p className="empty card">{t('segments.empty')}</p>}
      <div className="grid grid-2">
        {d.segments.map((s) =>
          d.canManage ? (
            <SegmentForm
              key={`${s.id}-${lines(s.ours)}-${lines(s.theirs)}-${s.name}`}
              id={s.id}
              values={mine(s.id)?.values ?? { name: s.name, ours: lines(s.ours), theirs: lines(s.theirs) }}
              errors={mine(s.id)?.errors ?? {}}
            />
          ) : (
            <section key={s.id} className="card" id={`segment-${s.id}`} aria-labelledby={`segment-${s.id}-h`}>
              <h2 id={`segment-${s.id}-h`}>{s.name}</h2>
              <dl className="props">
                <dt>{t('segments.ours')}</dt>
                <dd>{s.ours.map((m) => `${m.brand} ${m.model}`).join('、')}</dd>
                <dt>{t('segments.theirs')}</dt>
                <dd>{s.theirs.map((m) => `${m.brand} ${m.model}`).join('、')}</dd>
              </dl>
            </section>
          ),
        )}
        {d.canManage ? <SegmentForm key={a?.key === 'new' ? JSON.stringify(a.values) : `new-${d.segments.length}`} values={mine('new')?.values ?? {}} errors={mine('new')?.errors ?? {}} /> : null}
      </div>
    </>
  )
}

/** A segment as the manager edits it (or a new one, without `id`): its name and the two lists of models. */
function SegmentForm({ id, values, errors }: { id?: string; values: Record<string, string | undefined>; errors: FieldErrors }) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  const key = id ?? 'new'
  const field = (name: 'name' | 'ours' | 'theirs') => ({
    id: `${key}-${name}`,
    name,
    defaultValue: values[name] ?? '',
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': [errors[name] ? `${key}-${name}-error` : null, name === 'name' ? null : `${key}-models-hint`].filter(Boolean).join(' ') || undefined,
  })
  return (
    <section className="card" id={id ? `segment-${id}` : 'segment-new'} aria-labelledby={`${key}-h`}>
      <h2 id={`${key}-h`}>{id ? values.name : t('segments.new')}</h2>
      <Form method="post" noValidate>
        <CsrfInput />
        {id ? <input type="hidden" name="id" value={id} /> : null}
        <div className="field">
          <label htmlFor={`${key}-name`}>{t('segments.name')}</label>
          <input {...field('name')} type="text" maxLength={60} />
          <FieldError id={`${key}-name-error`} message={errors.name} />
        </div>
        <p className="hint" id={`${key}-models-hint`}>
          {t('segments.modelsHint')}
        </p>
        <div className="grid grid-2">
          <div className="field">
            <label htmlFor={`${key}-ours`}>{t('segments.ours')}</label>
            <textarea {...field('ours')} rows={4} />
            <FieldError id={`${key}-ours-error`} message={errors.ours} />
          </div>
          <div className="field">
            <label htmlFor={`${key}-theirs`}>{t('segments.theirs')}</label>
            <textarea {...field('theirs')} rows={4} />
            <FieldError id={`${key}-theirs-error`} message={errors.theirs} />
          </div>
        </div>
        <div className="form-actions">
          <button type="submit" name="intent" value="save" className="btn btn-primary" disabled={busy}>
            {id ? t('segments.save') : t('segments.create')}
          </button>
          {id ? (
            <button
              type="submit"
              name="intent"
              value="delete"
              formNoValidate
              className="btn btn-danger"
              disabled={busy}
              onClick={(e) => {
                if (!window.confirm(t('segments.deleteConfirm', { name: values.name ?? '' }))) e.preventDefault()
              }}
            >
              {t('segments.delete')}
            </button>
          ) : null}
        </div>
      </Form>
    </section>
  )
}
