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

/** How a touchpoint reached the store (SPEC §3): each kind is one way a person met the campaign. */
export const TOUCHPOINT_KINDS = ['web_visit', 'link_click', 'web_form', 'walk_in', 'call', 'platform_lead', 'manual'] as const
export type TouchpointKind = (typeof TOUCHPOINT_KINDS)[number]

/**
 * The channel a touchpoint is credited to: the media of a plan, plus the ways people
 * arrive on their own. Attribution (SPEC §4) groups by these.
 */
export const CHANNELS = [
  ...MEDIA,
  'search',
  'referral',
  'direct',
  'word_of_mouth',
  'passing_by',
  'returning_customer',
] as const
export type Channel = (typeof CHANNELS)[number]

export const LEAD_STATUSES = ['new', 'contacted', 'visited', 'test_drive', 'ordered', 'delivered', 'lost'] as const
export type LeadStatus = (typeof LEAD_STATUSES)[number]

export const LEAD_GRADES = ['A', 'B', 'C'] as const
export const LOST_REASONS = ['competitor', 'price', 'no_budget', 'postponed', 'unreachable', 'other'] as const
export const VISIT_TYPES = ['first', 'return'] as const
export const LEAD_PLATFORMS = ['autohome', 'bitauto', 'dongchedi', 'other'] as const
export const IMPORT_KINDS = ['leads', 'sales', 'observations', 'market'] as const
export const IMPORT_ROW_OUTCOMES = ['imported', 'merged', 'duplicate', 'skipped', 'failed'] as const

/** Where a competitor's price or promotion was seen (竞品信息, SPEC §5). */
export const SEEN_AT = ['store', 'auto_show', 'website', 'platform', 'other'] as const
export type SeenAt = (typeof SEEN_AT)[number]
