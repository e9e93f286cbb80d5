import type { linksEn } from './links.en'

export const linksZhCN: Record<keyof typeof linksEn, string> = {}
