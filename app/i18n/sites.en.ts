// English messages of the sites pages; sites.zh-CN.ts has the same keys.
export const sitesEn = {} as const
