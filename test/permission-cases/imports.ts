import { getDb } from '../../db/client'
import { imports } from '../../db/schema'
import type { Case, Ctx, Who } from './types'

// Lead-platform imports (SPEC §3): 'import:run' roles, within their stores.

/** Roles of store A that may import; executives read but do not import. */
const IMPORTERS: Who[] = ['admin', 'manager', 'specialist', 'sales']

/** A finished lead import of store A (made directly: the matrix is about who may open it). */
async function storeAImport(c: Ctx) {
  const db = await getDb()
  const [row] = await db
    .insert(imports)
    .values({ storeId: c.storeA, kind: 'leads', platform: 'autohome', fileName: 'matrix.csv', fileHash: 'f'.repeat(64), byteSize: 10, status: 'done' })
    .returning({ id: imports.id })
  return row!.id
}

const importParams = (path: string) => ({ importId: path.split('/')[2]! })

export const cases: Case[] = [
  // the list shows the imports of one's own stores: a store-B specialist sees theirs (none of A's)
  { route: 'imports._index.tsx', method: 'GET', allowed: [...IMPORTERS, 'otherStoreSpecialist'], path: () => '/imports' },
  { route: 'imports.new.tsx', method: 'GET', allowed: [...IMPORTERS, 'otherStoreSpecialist'], path: () => '/imports/new' },
  // confirming an import into store A: the file is gone (400) for those who may, refused for the rest
  {
    route: 'imports.new.tsx',
    method: 'POST',
    allowed: IMPORTERS,
    path: () => '/imports/new',
    fields: (c) => ({ intent: 'confirm', storeId: c.storeA, platform: 'autohome', fileHash: 'e'.repeat(64), ext: 'csv', fileName: 'leads.csv' }),
  },
  { route: 'imports.$importId.tsx', method: 'GET', allowed: IMPORTERS, path: async (c) => `/imports/${await storeAImport(c)}`, params: importParams },
  {
    route: 'imports.$importId.report.ts',
    method: 'GET',
    allowed: IMPORTERS,
    path: async (c) => `/imports/${await storeAImport(c)}/report`,
    params: importParams,
  },
]
