import { Form, Link, useNavigation } from '@remix-run/react'
import { ROLES } from '../../db/schema/enums'
import type { UserFormValues } from '../schemas/users'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'
import { FieldError } from './field-error'
import { FormErrors } from './form-errors'

type Props = {
  mode: 'create' | 'edit'
  /** the stores the admin manages: the only ones they can grant */
  stores: Array<{ id: string; name: string }>
  values: UserFormValues
  errors: Record<string, string>
  /** stores the edited user belongs to that the admin does not manage */
  outsideStores?: number
  isSelf?: boolean
}

const invalid = (errors: Record<string, string>, name: string) =>
  errors[name] ? { 'aria-invalid': true as const, 'aria-describedby': `${name}-error` } : {}

/** The create and edit form of a user; works without JavaScript. */
export function UserForm({ mode, stores, values, errors, outsideStores = 0, isSelf = false }: Props) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  return (
    <Form method="post" noValidate className="card">
      <CsrfInput />
      <FormErrors errors={errors} />
      <div className="grid grid-2">
        <div className="field">
          <label htmlFor="name">{t('users.name')}</label>
          <input
            id="name"
            name="name"
            type="text"
            required
            maxLength={100}
            defaultValue={values.name}
            {...invalid(errors, 'name')}
          />
          <FieldError id="name-error" message={errors.name} />
        </div>
        <div className="field">
          <label htmlFor="email">{t('users.email')}</label>
          <input
            id="email"
            name="email"
            type="email"
            required
            autoComplete="off"
            defaultValue={values.email}
            {...invalid(errors, 'email')}
          />
          <FieldError id="email-error" message={errors.email} />
        </div>
        <div className="field">
          <label htmlFor="role">{t('users.role')}</label>
          <select id="role" name="role" defaultValue={values.role} {...invalid(errors, 'role')}>
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {t(`role.${role}`)}
              </option>
            ))}
          </select>
          <FieldError id="role-error" message={errors.role} />
        </div>
        <div className="field">
          <label htmlFor="password">{mode === 'create' ? t('users.password') : t('users.newPassword')}</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="new-password"
            required={mode === 'create'}
            minLength={10}
            aria-invalid={errors.password ? true : undefined}
            aria-describedby={errors.password ? 'password-error password-hint' : 'password-hint'}
          />
          <span className="hint" id="password-hint">
            {mode === 'create' ? t('users.createPasswordHint') : t('users.passwordHint')}
          </span>
          <FieldError id="password-error" message={errors.password} />
        </div>
      </div>
      <div className="field">
        <fieldset aria-describedby={errors.storeIds ? 'storeIds-error storeIds-hint' : 'storeIds-hint'}>
          <legend>{t('users.stores')}</legend>
          <div className="checks">
            {stores.map((store) => (
              <label key={store.id} className="check" htmlFor={`store-${store.id}`}>
                <input
                  id={`store-${store.id}`}
                  type="checkbox"
                  name="storeIds[]"
                  value={store.id}
                  defaultChecked={values.storeIds.includes(store.id)}
                  aria-invalid={errors.storeIds ? true : undefined}
                />
                {store.name}
              </label>
            ))}
          </div>
          <p className="hint" id="storeIds-hint">
            {t('users.storesHint')} {t('users.executiveHint')}
            {outsideStores ? ` ${t('users.storesOutside', { count: outsideStores })}` : ''}
          </p>
          <FieldError id="storeIds-error" message={errors.storeIds} />
        </fieldset>
      </div>
      <div className="field">
        <label className="check" htmlFor="active">
          <input
            id="active"
            name="active"
            type="checkbox"
            defaultChecked={values.active}
            aria-invalid={errors.active ? true : undefined}
            aria-describedby={errors.active ? 'active-error active-hint' : 'active-hint'}
          />
          {t('users.active')}
        </label>
        <span className="hint" id="active-hint">
          {isSelf && !errors.active ? t('users.cannotDeactivateSelf') : t('users.activeHint')}
        </span>
        <FieldError id="active-error" message={errors.active} />
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {mode === 'create' ? t('users.create') : t('common.save')}
        </button>
        <Link to="/admin/users" className="btn">
          {t('common.cancel')}
        </Link>
      </div>
    </Form>
  )
}
