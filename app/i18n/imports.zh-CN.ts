import type { importsEn } from './imports.en'

export const importsZhCN: Record<keyof typeof importsEn, string> = {}
