import { Form, useNavigation } from '@remix-run/react'
import { useI18n } from '../utils/use-root'
import { CsrfInput } from './csrf-input'

/**
 * A job page's actions, as plain forms (they work before JavaScript loads): run a failed job
 * again, or cancel one that is queued or running — for whoever may manage the job's store.
 */
export function JobActions({ status, canManage, retryLabel }: { status: string; canManage: boolean; retryLabel: string }) {
  const { t } = useI18n()
  const busy = useNavigation().state === 'submitting'
  if (!canManage) return null
  const active = status === 'queued' || status === 'running'
  return (
    <>
      {status === 'failed' ? (
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="retry" />
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {retryLabel}
          </button>
        </Form>
      ) : null}
      {active ? (
        <Form method="post">
          <CsrfInput />
          <input type="hidden" name="intent" value="cancel" />
          <button type="submit" className="btn" disabled={busy}>
            {t('jobs.detail.cancel')}
          </button>
        </Form>
      ) : null}
    </>
  )
}
