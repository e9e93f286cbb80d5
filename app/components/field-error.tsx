import type { MessageKey } from '../i18n'
import { splitMessage } from '../utils/form'
import { useI18n } from '../utils/use-root'

/** The error under a field; `id` is what the field's aria-describedby points to. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  const { t } = useI18n()
  if (!message) return null
  const [key, vars] = splitMessage(message)
  return (
    <span className="error" id={id} role="alert">
      {key.includes('.') ? t(key as MessageKey, vars) : key}
    </span>
  )
}
