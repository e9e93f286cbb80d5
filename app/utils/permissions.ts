import type { CampaignStatus, Role } from '../../db/schema/enums'

/**
 * What each role may do (SPEC §1). Scope — which stores — is checked separately:
 * a permission here never reaches beyond the user's stores.
 */
export const PERMISSIONS = {
  'campaign:read': ['admin', 'manager', 'specialist', 'sales', 'executive'],
  'campaign:write': ['admin', 'manager', 'specialist'],
  'campaign:approve': ['admin', 'manager'],
  'budget:read': ['admin', 'manager', 'specialist', 'executive'],
  'user:manage': ['admin'],
  'store:manage': ['admin'],
  'audit:read': ['admin', 'manager', 'executive'],
  // SPEC §3: visitors and leads
  'lead:read': ['admin', 'manager', 'specialist', 'sales', 'executive'],
  'lead:write': ['admin', 'manager', 'specialist', 'sales'],
  /** see a lead's full phone number (everyone else sees 138****1234) */
  'lead:phone': ['admin', 'manager', 'sales'],
  /** merge leads by hand, erase a person on request */
  'lead:manage': ['admin', 'manager'],
  'link:manage': ['admin', 'manager', 'specialist'],
  'site:manage': ['admin', 'manager'],
  'import:run': ['admin', 'manager', 'specialist', 'sales'],
  /** accept or reject a suggested sale ↔ lead match (matchback review, ADR 017) */
  'sales:review': ['admin', 'manager', 'specialist'],
  // SPEC §4: the store's DMS sales data — the marketing side reads and imports it; executives read it
  'sales:read': ['admin', 'manager', 'specialist', 'executive'],
  'sales:import': ['admin', 'manager', 'specialist'],
  /** attribution, ROI and the reports built on them (SPEC §4) */
  'analysis:read': ['admin', 'manager', 'specialist', 'executive'],
  // SPEC §5: competitors' prices and promotions, seen by specialists and consultants alike
  'competitor:read': ['admin', 'manager', 'specialist', 'sales', 'executive'],
  'competitor:write': ['admin', 'manager', 'specialist', 'sales'],
  /** the group's model segments (our models against the competitors') */
  'segment:manage': ['admin', 'manager'],
} as const satisfies Record<string, readonly Role[]>

export type Permission = keyof typeof PERMISSIONS

export function roleCan(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role)
}

/** Executives read every store of their group; everyone else only the stores they belong to. */
export function readsAllGroupStores(role: Role) {
  return role === 'executive'
}

export type CampaignAction = 'submit' | 'approve' | 'return' | 'start' | 'complete' | 'cancel' | 'reopen'

/** The workflow of SPEC §2: for each action, the states it leaves from, where it goes, and who may take it. */
export const CAMPAIGN_WORKFLOW: Record<
  CampaignAction,
  { from: readonly CampaignStatus[]; to: CampaignStatus; permission: Permission; commentRequired?: boolean }
> = {
  submit: { from: ['draft', 'returned'], to: 'submitted', permission: 'campaign:write' },
  approve: { from: ['submitted'], to: 'approved', permission: 'campaign:approve' },
  return: { from: ['submitted'], to: 'returned', permission: 'campaign:approve', commentRequired: true },
  start: { from: ['approved'], to: 'running', permission: 'campaign:write' },
  complete: { from: ['running'], to: 'completed', permission: 'campaign:write' },
  cancel: {
    from: ['draft', 'submitted', 'returned', 'approved', 'running'],
    to: 'cancelled',
    permission: 'campaign:write',
    commentRequired: true,
  },
  reopen: { from: ['cancelled'], to: 'draft', permission: 'campaign:approve' },
}

export function availableActions(role: Role, status: CampaignStatus): CampaignAction[] {
  return (Object.keys(CAMPAIGN_WORKFLOW) as CampaignAction[]).filter((action) => {
    const rule = CAMPAIGN_WORKFLOW[action]
    return rule.from.includes(status) && roleCan(role, rule.permission)
  })
}

/** The plan itself is editable only before approval; afterwards only execution facts (actual spend, task status). */
export const PLAN_EDITABLE: readonly CampaignStatus[] = ['draft', 'returned']
export const EXECUTION_EDITABLE: readonly CampaignStatus[] = ['approved', 'running', 'completed']
