import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { chunkRowsFor, readAnalyticsConfig } from './config'

describe('readAnalyticsConfig', () => {
  it('puts the store under DATA_DIR/analytics with sensible defaults', () => {
    const config = readAnalyticsConfig({ NODE_ENV: 'test', DATA_DIR: '/srv/roadshow' })
    expect(config).toMatchObject({
      file: path.join('/srv/roadshow', 'analytics', 'analytics.duckdb'),
      memoryLimit: '256MB',
      threads: 0,
      syncIntervalMs: 30_000,
      chunkRows: null,
    })
    expect(chunkRowsFor('pglite', null)).toBe(10_000)
    expect(chunkRowsFor('postgres', null)).toBe(250_000)
    expect(chunkRowsFor('pglite', 1000)).toBe(1000)
  })

  it('refuses bad values, naming them', () => {
    expect(() => readAnalyticsConfig({ NODE_ENV: 'test', ANALYTICS_MEMORY_LIMIT: 'lots', ANALYTICS_THREADS: '-1', ANALYTICS_SYNC_INTERVAL_S: 'soon' })).toThrow(
      /ANALYTICS_MEMORY_LIMIT[\s\S]*ANALYTICS_THREADS[\s\S]*ANALYTICS_SYNC_INTERVAL_S/,
    )
  })
})
