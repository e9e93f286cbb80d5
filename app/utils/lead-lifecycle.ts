import type { LeadStatus } from '../../db/schema/enums'

/**
 * The lead lifecycle of SPEC §3: new → contacted → visited → test drive → ordered →
 * delivered, or lost. A lead moves forward (steps may be skipped: a walk-in who test-drives
 * at once goes from new to test drive), is lost from any open step, and a lost lead is
 * reopened as contacted. It never moves back: a return visit of an ordered lead leaves it ordered.
 */
export const FUNNEL: readonly LeadStatus[] = ['new', 'contacted', 'visited', 'test_drive', 'ordered', 'delivered']

export const funnelRank = (status: LeadStatus) => FUNNEL.indexOf(status)

export function nextStatuses(from: LeadStatus): LeadStatus[] {
  if (from === 'lost') return ['contacted']
  const rank = funnelRank(from)
  const forward = FUNNEL.filter((s) => funnelRank(s) > rank)
  return from === 'delivered' ? forward : [...forward, 'lost']
}

export function canMove(from: LeadStatus, to: LeadStatus) {
  return nextStatuses(from).includes(to)
}

/** The status a lead reaches when something happens (a visit, a test drive), never lower than it was. */
export function atLeast(current: LeadStatus, target: LeadStatus): LeadStatus {
  if (current === 'lost') return target
  return funnelRank(current) >= funnelRank(target) ? current : target
}

/**
 * A delivered or lost person who arrives again (a form, a call, a walk-in, a platform lead,
 * an entry by hand) starts a new opportunity on the same lead (SPEC §3): the history stays,
 * the funnel restarts at new. Moving a lost lead back to contacted by hand is not a return:
 * it revives the same opportunity.
 */
export function reopensOnArrival(status: LeadStatus) {
  return status === 'delivered' || status === 'lost'
}
