// English messages of the leads pages; leads.zh-CN.ts has the same keys.
export const leadsEn = {} as const
