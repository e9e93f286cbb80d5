import { ensureLinksForCampaign, listLinksForCampaign } from '../../app/services/tracking-links.server'
import { loadSessionUser } from '../../app/utils/auth.server'
import { EVERYONE, READERS, WRITERS, type Case, type Ctx } from './types'

// Tracking links, short redirects and QR codes (SPEC §3).

/** A fresh draft campaign of store A with its tracking link, made by the store-A manager. */
async function storeALink(c: Ctx) {
  const campaignId = await c.campaign('draft')
  const manager = (await loadSessionUser(c.userIds.manager!))!
  const result = await ensureLinksForCampaign(manager, campaignId, { destinationUrl: 'https://www.example-4s.cn/event?from=matrix' }, '127.0.0.1')
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  const [row] = await listLinksForCampaign(manager, campaignId)
  return { campaignId, linkId: row!.link!.id, code: row!.link!.code }
}

const codeParams = (path: string) => ({ code: path.split('/')[2]! })
const linkParams = (path: string) => ({ campaignId: path.split('/')[2]!, linkId: path.split('/')[4]! })

export const cases: Case[] = [
  // the short link is public: anyone who scans a poster is redirected
  { route: 'r.$code.ts', method: 'GET', allowed: EVERYONE, path: async (c) => `/r/${(await storeALink(c)).code}`, params: codeParams },
  // QR codes and posters are for staff who may read the store (executives read every store)
  { route: 'r.$code_.qr[.]png.ts', method: 'GET', allowed: READERS, path: async (c) => `/r/${(await storeALink(c)).code}/qr.png`, params: codeParams },
  { route: 'r.$code_.qr[.]svg.ts', method: 'GET', allowed: READERS, path: async (c) => `/r/${(await storeALink(c)).code}/qr.svg?download=1`, params: codeParams },
  { route: 'r.$code_.poster.tsx', method: 'GET', allowed: READERS, path: async (c) => `/r/${(await storeALink(c)).code}/poster`, params: codeParams },
  {
    route: 'campaigns.$campaignId.links.$linkId.tsx',
    method: 'GET',
    allowed: WRITERS,
    path: async (c) => {
      const { campaignId, linkId } = await storeALink(c)
      return `/campaigns/${campaignId}/links/${linkId}`
    },
    params: linkParams,
  },
  {
    route: 'campaigns.$campaignId.links.$linkId.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => {
      const { campaignId, linkId } = await storeALink(c)
      return `/campaigns/${campaignId}/links/${linkId}`
    },
    params: linkParams,
    fields: () => ({
      destinationUrl: 'https://www.example-4s.cn/autumn',
      utmSource: 'autohome',
      utmMedium: 'referral',
      utmCampaign: 'autumn-2026',
      utmContent: 'banner',
      active: 'on',
    }),
  },
  {
    route: 'campaigns.$campaignId._index.tsx',
    method: 'POST',
    allowed: WRITERS,
    path: async (c) => `/campaigns/${await c.campaign('draft')}`,
    params: (path) => ({ campaignId: path.split('/')[2]! }),
    fields: () => ({ intent: 'links.ensure', destinationUrl: 'https://www.example-4s.cn/' }),
  },
]
