import type { LoaderFunctionArgs } from '@remix-run/node'
import { translator } from '../i18n'
import { LeadFiltersSchema } from '../schemas/lead'
import { exportLeads } from '../services/leads.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { csvResponse, type CsvCell } from '../utils/csv'
import { resolveLocale } from '../utils/i18n.server'
import { parseQuery } from '../utils/input.server'
import { utcToZonedLocal, zonedDay } from '../utils/zoned-time'

/** The filtered lead list as CSV for Excel: UTF-8 with BOM, phones masked for every role, formulas neutralised. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'lead:read')
  const filters = parseQuery(request, LeadFiltersSchema, user)
  const t = translator(resolveLocale(request, user.locale))
  const { rows } = await exportLeads(user, filters)
  const when = (at: Date | null, timeZone: string) => (at ? utcToZonedLocal(at, timeZone).replace('T', ' ') : '')
  const header: CsvCell[] = [
    t('leads.field.id'),
    t('common.store'),
    t('leads.field.name'),
    t('leads.field.phone'),
    t('leads.field.city'),
    t('leads.field.model'),
    t('common.status'),
    t('leads.field.grade'),
    t('leads.field.lostReason'),
    t('leads.field.lostToBrand'),
    t('leads.field.lostToModel'),
    t('leads.field.firstChannel'),
    t('leads.field.campaign'),
    t('leads.field.visits'),
    t('leads.field.consultant'),
    t('leads.field.firstTouch'),
    t('leads.field.lastTouch'),
    t('leads.field.created'),
  ]
  const body: CsvCell[][] = rows.map((r) => [
    r.id,
    r.storeName,
    r.name,
    r.phone,
    r.city,
    r.modelOfInterest,
    t(`leads.status.${r.status}`),
    r.grade,
    r.lostReason ? t(`leads.lostReason.${r.lostReason as 'other'}`) : '',
    r.lostToBrand,
    r.lostToModel,
    r.firstChannel ? t(`leads.channel.${r.firstChannel}`) : '',
    r.campaignName,
    r.visits,
    r.consultantName,
    when(r.firstTouchAt, r.timeZone),
    when(r.lastTouchAt, r.timeZone),
    when(r.createdAt, r.timeZone),
  ])
  const day = zonedDay(new Date(), user.stores[0]?.timeZone ?? 'Asia/Shanghai')
  return csvResponse(`${t('leads.title')}-${day}.csv`, [header, ...body], { asciiName: `leads-${day}.csv` })
}
