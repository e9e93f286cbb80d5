// English messages of the links pages; links.zh-CN.ts has the same keys.
export const linksEn = {} as const
