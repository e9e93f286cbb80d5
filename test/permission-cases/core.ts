import { planFields } from '../campaign-fixtures'
import { EVERYONE, READERS, SIGNED_IN, WRITERS, type Case } from './types'

// Sign-in, campaigns (SPEC §2) and administration (SPEC §1).
const campaignParams = (path: string) => ({ campaignId: path.split('/')[2]! })

export const cases: Case[] = [
  { route: '_index.tsx', method: 'GET', allowed: EVERYONE, path: () => '/' },
  { route: '$.tsx', method: 'GET', allowed: [], path: () => '/nowhere' },
  { route: '$.tsx', method: 'POST', allowed: [], path: () => '/nowhere' },
  { route: 'healthz.ts', method: 'GET', allowed: EVERYONE, path: () => '/healthz' },
  { route: 'login.tsx', method: 'GET', allowed: EVERYONE, path: () => '/login' },
  { route: 'login.tsx', method: 'POST', allowed: EVERYONE, path: () => '/login', fields: () => ({ email: 'nobody@example.test', password: 'x' }) },
  { route: 'logout.tsx', method: 'GET', allowed: EVERYONE, path: () => '/logout' },
  { route: 'logout.tsx', method: 'POST', allowed: EVERYONE, path: () => '/logout', ownSession: true },
  { route: 'settings.language.tsx', method: 'GET', allowed: EVERYONE, path: () => '/settings/language' },
  { route: 'settings.language.tsx', method: 'POST', allowed: EVERYONE, path: () => '/settings/language', fields: () => ({ locale: 'en' }) },
  { route: 'account.tsx', method: 'GET', allowed: SIGNED_IN, path: () => '/account' },
  { route: 'account.tsx', method: 'POST', allowed: SIGNED_IN, path: () => '/account', fields: () => ({}) },

  { route: 'campaigns._index.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/campaigns' },
  { route: 'campaigns.timeline.tsx', method: 'GET', allowed: [...READERS, 'otherStoreSpecialist'], path: () => '/campaigns/timeline' },
  { route: 'campaigns.new.tsx', method: 'GET', allowed: [...WRITERS, 'otherStoreSpecialist'], path: () => '/campaigns/new' },
  // a plan for store A: the store-B specialist may plan, but not for store A
  { route: 'campaigns.new.tsx', method: 'POST', allowed: WRITERS, path: () => '/campaigns/new', fields: (c) => planFields(c.storeA) },
  {
    route: 'campaigns.$campaignId._index.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId._index.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}`,
    params: campaignParams,
    fields: () => ({ intent: 'transition', action: 'submit' }),
  },
  {
    route: 'campaigns.$campaignId._index.tsx',
    method: 'POST',
    allowed: ['admin', 'manager'],
    path: async (c) => `/campaigns/${await c.campaign('submitted')}`,
    params: campaignParams,
    fields: () => ({ intent: 'transition', action: 'approve' }),
  },
  {
    route: 'campaigns.$campaignId.edit.tsx',
    method: 'GET',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}/edit`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId.edit.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}/edit`,
    params: campaignParams,
    fields: (c) => planFields(c.storeA, { version: '1', name: '改名' }),
  },
  {
    route: 'campaigns.$campaignId.print.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}/print`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId.evaluation.tsx',
    method: 'GET',
    allowed: READERS,
    path: async (c) => `/campaigns/${await c.campaign('completed')}/evaluation`,
    params: campaignParams,
  },
  {
    route: 'campaigns.$campaignId.evaluation.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('completed')}/evaluation`,
    params: campaignParams,
    fields: () => ({ version: '5', analysis: '达成目标' }),
  },

  { route: 'admin.users._index.tsx', method: 'GET', allowed: ['admin'], path: () => '/admin/users' },
  { route: 'admin.users.new.tsx', method: 'GET', allowed: ['admin'], path: () => '/admin/users/new' },
  { route: 'admin.users.new.tsx', method: 'POST', allowed: ['admin'], path: () => '/admin/users/new', fields: () => ({}) },
  {
    route: 'admin.users.$userId.tsx',
    method: 'GET',
    allowed: ['admin'],
    path: (c) => `/admin/users/${c.userId}`,
    params: (p) => ({ userId: p.split('/')[3]! }),
  },
  {
    route: 'admin.users.$userId.tsx',
    method: 'POST',
    allowed: ['admin'],
    path: (c) => `/admin/users/${c.userId}`,
    params: (p) => ({ userId: p.split('/')[3]! }),
    fields: () => ({}),
  },
  { route: 'admin.audit.tsx', method: 'GET', allowed: ['admin', 'manager', 'executive'], path: () => '/admin/audit' },
  { route: 'admin.stores._index.tsx', method: 'GET', allowed: ['admin'], path: () => '/admin/stores' },
  // the matrix's admin holds store A only, not the whole group: opening a store is not theirs
  { route: 'admin.stores.new.tsx', method: 'GET', allowed: [], path: () => '/admin/stores/new' },
  { route: 'admin.stores.new.tsx', method: 'POST', allowed: [], path: () => '/admin/stores/new', fields: () => ({}) },
  {
    route: 'admin.stores.$storeId.tsx',
    method: 'GET',
    allowed: ['admin'],
    path: (c) => `/admin/stores/${c.storeA}`,
    params: (p) => ({ storeId: p.split('/')[3]! }),
  },
  {
    route: 'admin.stores.$storeId.tsx',
    method: 'POST',
    allowed: ['admin'],
    path: (c) => `/admin/stores/${c.storeA}`,
    params: (p) => ({ storeId: p.split('/')[3]! }),
    fields: () => ({}),
  },
]

