import path from 'node:path'
import { defineConfig } from 'vitest/config'

// names this run's template database (test/setup/databases.ts); the test processes inherit it
process.env.ROADSHOW_TEST_RUN ??= `${process.pid}_${Date.now().toString(36)}`

export default defineConfig({
  resolve: { alias: { '~': path.resolve('app') } },
  esbuild: { jsx: 'automatic' },
  test: {
    include: ['app/**/*.test.{ts,tsx}', 'db/**/*.test.ts', 'analytics/**/*.test.ts', 'test/**/*.test.{ts,tsx}'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    globalSetup: ['test/setup/global-setup.ts'],
    setupFiles: ['test/setup/setup-file.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { NODE_ENV: 'test', LOG_LEVEL: 'error', PHONE_HASH_KEY: 'test-only-phone-hash-key-0123456789' },
  },
})
