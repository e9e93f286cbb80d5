import type { Role } from '../../db/schema/enums'
import type { Browser } from '../factories'

/** Who asks: a role of store A, a specialist of store B, or a browser that has not signed in. */
export type Who = Role | 'otherStoreSpecialist' | 'anonymous'
export const EVERYONE: Who[] = ['admin', 'manager', 'specialist', 'sales', 'executive', 'otherStoreSpecialist', 'anonymous']
export const SIGNED_IN = EVERYONE.filter((w) => w !== 'anonymous')
export const WRITERS: Who[] = ['admin', 'manager', 'specialist']
export const READERS: Who[] = ['admin', 'manager', 'specialist', 'sales', 'executive']

export type Ctx = {
  browsers: Record<Who, Browser | undefined>
  userIds: Partial<Record<Who, string>>
  groupId: string
  storeA: string
  storeB: string
  /** a fresh campaign of store A in the given status, planned by the store-A manager */
  campaign: (status: 'draft' | 'submitted' | 'completed') => Promise<string>
  /** the store-A sales user: a user to open in the admin pages */
  userId: string
}

/** One row of the matrix: a route's loader (GET) or action (POST), and who may use it. */
export type Case = {
  route: string
  /** tells rows of one route apart in the test's name (e.g. the kind of job it opens) */
  label?: string
  method: 'GET' | 'POST'
  /** who may: everyone else is refused (403 or 404; a GET without a session goes to sign-in) */
  allowed: Who[]
  path: (ctx: Ctx) => Promise<string> | string
  params?: (path: string) => Record<string, string>
  /** the form a role posts (`who`, when given: for what only that user has, e.g. their own upload) */
  fields?: (ctx: Ctx, who?: Who) => Record<string, string | string[]>
  /** the request ends the session it carries: give it a session of its own */
  ownSession?: boolean
}
