import type { leadsEn } from './leads.en'

export const leadsZhCN: Record<keyof typeof leadsEn, string> = {}
