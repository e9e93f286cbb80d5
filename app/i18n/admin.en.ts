// English messages of the admin pages (users, audit log, account); admin.zh-CN.ts has the same keys.
export const adminEn = {} as const
