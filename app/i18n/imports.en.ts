// English messages of the imports pages; imports.zh-CN.ts has the same keys.
export const importsEn = {} as const
