import type { sitesEn } from './sites.en'

export const sitesZhCN: Record<keyof typeof sitesEn, string> = {}
