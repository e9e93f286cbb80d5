import type { SessionUser } from '../utils/auth.server'
import { roleCan } from '../utils/permissions'
import { parsePhone } from '../utils/phone'
import { takeAll, TokenBuckets, type BucketConfig } from '../utils/rate-limit.server'

/**
 * Asking whether a full phone number is a lead is throttled per user (SPEC §8: a role
 * without phone access must not learn whether a phone is a lead, and nobody should be
 * able to sweep through numbers). A desk checks a number per visitor: 20 at once, then
 * one every 6 seconds, is far more than a busy Saturday needs and turns a sweep of
 * 10,000 candidate numbers into a day's work instead of minutes.
 *
 * What counts: every number check of the walk-in form, and — for roles that see phones
 * masked — every walk-in, call or manual lead they record with a full number, since what
 * such a record joins says whether the number was known.
 */
export const PHONE_LOOKUP_LIMIT: BucketConfig = { rate: 1 / 6, burst: 20 }

let buckets = new TokenBuckets(PHONE_LOOKUP_LIMIT)

/** 0 when the user may look a number up now (the look-up is counted), else the seconds to wait. */
export function takePhoneLookup(userId: string): number {
  return takeAll([[buckets, userId]], 1)
}

/** Tests: other limits, or a clock of their own (undefined restores the defaults). */
export function setPhoneLookupLimit(config?: BucketConfig, now?: () => number) {
  buckets = new TokenBuckets(config ?? PHONE_LOOKUP_LIMIT, now)
}

export type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }

/**
 * A role that sees phones masked learns from what a record with a full number joins (its
 * lead and that lead's history, a first or a return visit) whether the number was known:
 * each such record is a look-up and counts against the same allowance. Roles with phone
 * access record freely.
 */
export function phoneRecordAllowance(user: SessionUser, phone: string | null | undefined): Throttled | null {
  if (roleCan(user.role, 'lead:phone') || parsePhone(phone)?.kind !== 'full') return null
  const wait = takePhoneLookup(user.id)
  return wait ? { ok: false, reason: 'throttled', retryAfter: wait } : null
}
