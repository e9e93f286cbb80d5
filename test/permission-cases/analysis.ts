import type { Case, Who } from './types'

// Attribution and ROI (SPEC §4): the marketing roles and executives read them; the front desk does not.
// A store-B specialist opens the page too, and sees only store B (test/attribution-paths.test.ts).
const ANALYSTS: Who[] = ['admin', 'manager', 'specialist', 'executive', 'otherStoreSpecialist']

export const cases: Case[] = [
  { route: 'analysis.channels.tsx', method: 'GET', allowed: ANALYSTS, path: () => '/analysis/channels' },
  { route: 'analysis.review.tsx', method: 'GET', allowed: ANALYSTS, path: () => '/analysis/review' },
  { route: 'analysis.channels_.data.ts', method: 'GET', allowed: ANALYSTS, path: () => '/analysis/channels/data?chart=credits&format=csv' },
]
