import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { data, redirect } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { CsrfInput } from '../components/csrf-input'
import { ObservationForm, type ObservationValues } from '../components/observation-form'
import { VersionSchema } from '../schemas/campaign'
import { deleteObservation, getObservation, knownBrandsAndModels, updateObservation, type ObservationDetail } from '../services/competitors.server'
import { parseObservation, readObservationForm } from '../services/observation-form.server'
import { canWriteStore, requireUserWithPermission } from '../utils/auth.server'
import type { FieldErrors } from '../utils/form'
import { fenToYuanInput } from '../utils/format'
import { clientIp } from '../utils/http.server'
import { badInput } from '../utils/input.server'
import { pageTitle } from '../utils/meta'
import { roleCan } from '../utils/permissions'
import { useI18n } from '../utils/use-root'

function formValues(o: ObservationDetail): ObservationValues {
  return {
    storeId: o.storeId,
    brand: o.brand,
    model: o.model,
    trim: o.trim,
    listPriceFen: fenToYuanInput(o.listPriceFen),
    transactionPriceFen: fenToYuanInput(o.transactionPriceFen),
    discountFen: fenToYuanInput(o.discountFen),
    promotion: o.promotion,
    promotionStart: o.promotionStart ?? '',
    promotionEnd: o.promotionEnd ?? '',
    seenAt: o.seenAt,
    place: o.place,
    seenOn: o.seenOn,
    note: o.note,
  }
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const o = await getObservation(user, params.observationId!)
  const canEdit = roleCan(user.role, 'competitor:write') && canWriteStore(user, o.storeId)
  return {
    observation: {
      id: o.id,
      brand: o.brand,
      model: o.model,
      trim: o.trim,
      listPriceFen: o.listPriceFen,
      transactionPriceFen: o.transactionPriceFen,
      discountFen: o.discountFen,
      promotion: o.promotion,
      promotionStart: o.promotionStart,
      promotionEnd: o.promotionEnd,
      seenAt: o.seenAt,
      place: o.place,
      note: o.note,
      seenOn: o.seenOn,
      seenBy: o.seenBy,
      storeName: o.storeName,
      version: o.version,
      hasPhoto: Boolean(o.photoSha256),
      currency: o.currency,
    },
    values: formValues(o),
    canEdit,
    stores: user.stores.filter((s) => canWriteStore(user, s.id)).map(({ id, name }) => ({ id, name })),
    suggestions: canEdit ? await knownBrandsAndModels(user) : { brands: [], models: [] },
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:write')
  const form = await readObservationForm(request)
  if (form.kind === 'read' && form.intent === 'delete') {
    await deleteObservation(user, params.observationId!, clientIp(request))
    return redirect('/competitors?notice=deleted')
  }
  if (form.kind === 'too-large') return data({ values: form.values, errors: { photo: 'competitors.validation.photoTooLarge' } as FieldErrors, stale: false }, { status: 413 })
  const version = VersionSchema.safeParse(form.values.version)
  if (!version.success) badInput(request, [{ field: 'version', message: 'validation.invalid' }], user)
  const parsed = parseObservation(user, form.values)
  if (!parsed.ok) return data({ values: form.values, errors: parsed.errors, stale: false }, { status: 400 })
  const result = await updateObservation(user, params.observationId!, parsed.input, version.data, form.photo, form.removePhoto, clientIp(request))
  if (result.ok) return redirect(`/competitors?notice=updated`)
  if (result.reason === 'stale') return data({ values: { ...form.values, version: String(result.version) }, errors: {} as FieldErrors, stale: true }, { status: 409 })
  return data({ values: form.values, errors: { photo: 'competitors.validation.photo' } as FieldErrors, stale: false }, { status: 400 })
}

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, 'competitors.edit')

export default function ObservationPage() {
  const d = useLoaderData<typeof loader>()
  const a = useActionData<typeof action>()
  const { t, day } = useI18n()
  const o = d.observation
  const values = a?.values ?? d.values
  const photo = o.hasPhoto ? { src: `/competitors/${o.id}/photo`, alt: t('competitors.photoAlt', { brand: o.brand, model: o.model, day: day(o.seenOn) }) } : null
  return (
    <>
      <div className="breadcrumb">
        <Link to="/competitors">{t('competitors.title')}</Link> / {o.brand} {o.model}
      </div>
      <h1>
        {o.brand} {o.model} {o.trim ? <span className="muted small">{o.trim}</span> : null}
      </h1>
      <p className="muted small">
        {day(o.seenOn)} · {o.seenBy || '—'} · {o.storeName}
      </p>
      {a?.stale ? (
        <div className="alert alert-warning" role="alert">
          {t('competitors.stale')}
        </div>
      ) : null}
      {d.canEdit ? (
        <ObservationForm
          key={a ? JSON.stringify(a.values) : `v${o.version}`}
          values={values}
          errors={a?.errors ?? {}}
          stores={d.stores}
          suggestions={d.suggestions}
          version={Number(values.version ?? o.version)}
          photo={photo}
          submitLabel={t('common.save')}
          cancelHref="/competitors"
        />
      ) : null}
      {d.canEdit ? (
        <Form method="post" className="no-print" style={{ marginTop: 'var(--s4)' }}>
          <CsrfInput />
          <button
            type="submit"
            name="intent"
            value="delete"
            className="btn btn-danger btn-sm"
            onClick={(e) => {
              if (!window.confirm(t('competitors.deleteConfirm'))) e.preventDefault()
            }}
          >
            {t('competitors.delete')}
          </button>
        </Form>
      ) : (
        <ObservationFacts o={o} photo={photo} />
      )}
    </>
  )
}

/** The observation as those who may not edit it read it. */
function ObservationFacts({ o, photo }: { o: ReturnType<typeof useLoaderData<typeof loader>>['observation']; photo: { src: string; alt: string } | null }) {
  const { t, day, money } = useI18n()
  const price = (fen: number | null) => (fen === null ? '—' : money(fen, o.currency))
  return (
    <section className="card">
      <dl className="props">
        <dt>{t('competitors.field.listPrice')}</dt>
        <dd>{price(o.listPriceFen)}</dd>
        <dt>{t('competitors.field.transactionPrice')}</dt>
        <dd>{price(o.transactionPriceFen)}</dd>
        <dt>{t('competitors.field.discount')}</dt>
        <dd>{price(o.discountFen)}</dd>
        <dt>{t('competitors.field.promotion')}</dt>
        <dd>
          {o.promotion || '—'}
          {o.promotionStart || o.promotionEnd ? ` (${day(o.promotionStart)} – ${day(o.promotionEnd)})` : ''}
        </dd>
        <dt>{t('competitors.field.seenAt')}</dt>
        <dd>
          {t(`competitors.seenAt.${o.seenAt}`)}
          {o.place ? ` · ${o.place}` : ''}
        </dd>
        {o.note ? (
          <>
            <dt>{t('competitors.field.note')}</dt>
            <dd className="pre">{o.note}</dd>
          </>
        ) : null}
      </dl>
      {photo ? (
        <figure className="obs-photo">
          <img src={photo.src} alt={photo.alt} loading="lazy" />
        </figure>
      ) : null}
    </section>
  )
}
