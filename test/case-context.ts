import { planFields } from './campaign-fixtures'
import { createGroup, createStore, createUser, post, signIn, type Browser } from './factories'
import { settle } from './http'
import type { Ctx, Who } from './permission-cases/types'

type Action = (args: { request: Request; params: Record<string, string>; context: object }) => Promise<unknown>

/**
 * What the route walkers (the permission matrix, the malformed-input walk) share: a group
 * with stores A and B, a signed-in browser for every role of store A, a specialist of store
 * B and an anonymous browser, and fresh campaigns in a given status on demand.
 * `ownAdminTarget`: the user the admin pages open is one made for it, not one of the walkers.
 */
export async function routeWalkContext(routes: { newCampaign: Action; campaignDetail: Action }, options: { ownAdminTarget?: boolean } = {}): Promise<Ctx> {
  const group = await createGroup()
  const storeA = (await createStore(group.id)).id
  const storeB = (await createStore(group.id)).id
  const users: Partial<Record<Who, string>> = {
    admin: (await createUser(group.id, 'admin', [storeA])).id,
    manager: (await createUser(group.id, 'manager', [storeA])).id,
    specialist: (await createUser(group.id, 'specialist', [storeA])).id,
    sales: (await createUser(group.id, 'sales', [storeA])).id,
    executive: (await createUser(group.id, 'executive', [])).id,
    otherStoreSpecialist: (await createUser(group.id, 'specialist', [storeB])).id,
  }
  const browsers = {} as Record<Who, Browser | undefined>
  for (const [who, id] of Object.entries(users)) browsers[who as Who] = await signIn(id!)
  // no session, but a CSRF cookie like any browser that has loaded a page
  browsers.anonymous = { cookie: 'rs_csrf=anonymous-browser-token-0123456789abcdefghijklmno', csrf: 'anonymous-browser-token-0123456789abcdefghijklmno' }
  const steps = { draft: [], submitted: ['submit'], completed: ['submit', 'approve', 'start', 'complete'] } as const
  return {
    browsers,
    userIds: users,
    groupId: group.id,
    storeA,
    storeB,
    userId: options.ownAdminTarget ? (await createUser(group.id, 'sales', [storeA])).id : users.sales!,
    async campaign(status) {
      const created = await settle(() => routes.newCampaign({ request: post('/campaigns/new', planFields(storeA), browsers.manager), params: {}, context: {} }))
      const id = created.headers.get('location')!.split('/')[2]!.split('?')[0]!
      for (const action of steps[status]) {
        const res = await settle(() =>
          routes.campaignDetail({ request: post(`/campaigns/${id}`, { intent: 'transition', action }, browsers.manager), params: { campaignId: id }, context: {} }),
        )
        if (res.status !== 302) throw new Error(`campaign step ${action} answered ${res.status}`)
      }
      return id
    },
  }
}
