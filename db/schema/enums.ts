// Closed vocabularies of the domain (DOMAIN.md). Stored as text with a CHECK-free
// column so that adding a value is a code change, not a migration; every write goes
// through a zod schema built from these lists.
export const ROLES = ['admin', 'manager', 'specialist', 'sales', 'executive'] as const
export type Role = (typeof ROLES)[number]

export const CAMPAIGN_STATUSES = [
  'draft',
  'submitted',
  'returned',
  'approved',
  'running',
  'completed',
  'evaluated',
  'cancelled',
] as const
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number]

export const CAMPAIGN_FORMS = [
  'auto_show',
  'in_store',
  'community',
  'launch',
  'owners_club',
  'event_marketing',
  'media_event',
  'online',
] as const
export type CampaignForm = (typeof CAMPAIGN_FORMS)[number]

export const CAMPAIGN_PURPOSES = ['orders', 'leads', 'reputation', 'retention', 'influence'] as const
export type CampaignPurpose = (typeof CAMPAIGN_PURPOSES)[number]

export const TASK_STATUSES = ['todo', 'doing', 'done'] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]

export const MEDIA = [
  'autohome',
  'bitauto',
  'dongchedi',
  'pcauto',
  'wechat',
  'douyin',
  'sms',
  'web',
  'newspaper',
  'radio',
  'tv',
  'outdoor',
  'other',
] as const
export type Medium = (typeof MEDIA)[number]

export const AD_PURPOSES = ['product', 'public_welfare', 'brand', 'promotion'] as const
export const AD_NATURES = ['hard', 'soft'] as const
export const PROMOTION_KINDS = ['internal', 'external'] as const
export const BUDGET_CATEGORIES = ['media', 'venue', 'materials', 'gifts', 'staff', 'other'] as const
