import type { MetaDescriptor } from '@remix-run/node'
import { DEFAULT_LOCALE, translator, type MessageKey } from '../i18n'
import type { RootData } from './use-root'

/** A page title in the user's language (meta functions cannot use hooks; the root data has the locale). */
export function pageTitle(matches: ReadonlyArray<{ id: string; data?: unknown }>, key: MessageKey): MetaDescriptor[] {
  const root = matches.find((m) => m.id === 'root')?.data as RootData | undefined
  const t = translator(root?.locale ?? DEFAULT_LOCALE)
  return [{ title: `${t(key)} · ${t('app.name')}` }]
}
