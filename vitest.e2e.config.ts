import path from 'node:path'
import { defineConfig } from 'vitest/config'

/**
 * End-to-end tests (`npm run test:e2e`): the production build served by `node server.js`,
 * driven by Debian's Chromium through playwright-core. See test/e2e/harness.ts.
 * None of the unit config's database setup applies: the server owns its database.
 */
export default defineConfig({
  resolve: { alias: { '~': path.resolve('app') } },
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    // one file at a time in one fork: each file starts its own server and browser
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
})
