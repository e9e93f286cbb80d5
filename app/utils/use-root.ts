import { useRouteLoaderData } from '@remix-run/react'
import { useMemo } from 'react'
import { translator, type Locale } from '../i18n'
import * as fmt from './format'

export type RootUser = {
  id: string
  name: string
  email: string
  role: import('../../db/schema/enums').Role
  stores: Array<{ id: string; name: string; timeZone: string; currency: string }>
  /** plans waiting for this user's approval (managers and admins), shown in the navigation */
  awaitingApproval: number
}

export type RootData = { locale: Locale; csrf: string; user: RootUser | null }

export function useRootData(): RootData {
  const data = useRouteLoaderData('root') as RootData | undefined
  return data ?? { locale: 'zh-CN', csrf: '', user: null }
}

/** Translation and formatting in the user's language. */
export function useI18n() {
  const { locale } = useRootData()
  return useMemo(
    () => ({
      locale,
      t: translator(locale),
      money: (fen: number | null | undefined, currency?: string) => fmt.formatMoney(fen, locale, currency),
      moneyShort: (fen: number | null | undefined, currency?: string) => fmt.formatMoneyShort(fen, locale, currency),
      num: (n: number | null | undefined) => fmt.formatNumber(n, locale),
      pct: (x: number | null | undefined, digits?: number) => fmt.formatPercent(x, locale, digits),
      change: (x: number) => fmt.formatChange(x, locale),
      day: (d: string | null | undefined) => fmt.formatDay(d, locale),
      moment: (at: Date | string | null | undefined, timeZone?: string) => fmt.formatMoment(at, locale, timeZone),
    }),
    [locale],
  )
}
