export * from './accounts'
export * from './campaigns'
export * from './capture'
