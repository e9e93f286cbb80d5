import { sql } from 'drizzle-orm'
import { getDb, rowsOf } from '../../db/client'
import { phoneLookupAllowances } from '../../db/schema'
import type { SessionUser } from '../utils/auth.server'
import { roleCan } from '../utils/permissions'
import { parsePhone } from '../utils/phone'
import type { BucketConfig } from '../utils/rate-limit.server'

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
 *
 * The allowance is kept in the database (phone_lookup_allowances), not in the process: every
 * app server of an installation takes from the same one (ADR 031), and a restart does not
 * refill it. One statement takes a token or says how long to wait, atomically under the row's
 * lock, whichever server asks.
 */
export const PHONE_LOOKUP_LIMIT: BucketConfig = { rate: 1 / 6, burst: 20 }

let limit: BucketConfig = PHONE_LOOKUP_LIMIT
let clock: () => number = Date.now

/** 0 when the user may look a number up now (the look-up is counted), else the seconds to wait. */
export async function takePhoneLookup(userId: string): Promise<number> {
  const db = await getDb()
  const at = new Date(clock()).toISOString()
  const t = phoneLookupAllowances
  // what the bucket holds now: what was left, refilled for the time since, up to the burst
  const refilled = sql`least(${limit.burst}::float8, a.tokens + greatest(0, extract(epoch from (${at}::timestamptz - a.refilled_at))) * ${limit.rate}::float8)`
  const [row] = rowsOf<{ taken: boolean; tokens: number }>(
    await db.execute(sql`
      insert into ${t} as a (user_id, tokens, refilled_at, taken)
      values (${userId}::uuid, ${limit.burst - 1}::float8, ${at}::timestamptz, ${limit.burst >= 1})
      on conflict (user_id) do update set
        taken = ${refilled} >= 1,
        tokens = ${refilled} - case when ${refilled} >= 1 then 1 else 0 end,
        refilled_at = greatest(a.refilled_at, ${at}::timestamptz)
      returning taken, tokens`),
  )
  if (row!.taken) return 0
  return Math.max(1, Math.ceil((1 - Number(row!.tokens)) / limit.rate))
}

/** Tests: other limits, or a clock of their own (undefined restores the defaults); every allowance starts full again. */
export async function setPhoneLookupLimit(config?: BucketConfig, now?: () => number) {
  limit = config ?? PHONE_LOOKUP_LIMIT
  clock = now ?? Date.now
  await (await getDb()).delete(phoneLookupAllowances)
}

export type Throttled = { ok: false; reason: 'throttled'; retryAfter: number }

/**
 * A role that sees phones masked learns from what a record with a full number joins (its
 * lead and that lead's history, a first or a return visit) whether the number was known:
 * each such record is a look-up and counts against the same allowance. Roles with phone
 * access record freely.
 */
export async function phoneRecordAllowance(user: SessionUser, phone: string | null | undefined): Promise<Throttled | null> {
  if (roleCan(user.role, 'lead:phone') || parsePhone(phone)?.kind !== 'full') return null
  const wait = await takePhoneLookup(user.id)
  return wait ? { ok: false, reason: 'throttled', retryAfter: wait } : null
}
