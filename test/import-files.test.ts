import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { imports, importUploads } from '../db/schema'
import { keepImportFile, pruneUnconfirmedUploads } from '../app/services/import-files.server'
import { createGroup, createStore, createUser } from './factories'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-uploads-'))

beforeAll(() => vi.stubEnv('DATA_DIR', dataDir))
afterAll(() => {
  vi.unstubAllEnvs()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('uploads never imported', () => {
  it('are removed after a day; files an import refers to and fresh uploads stay', async () => {
    const old = Date.now() / 1000 - 2 * 86_400
    const age = (file: string) => fs.utimesSync(file, old, old)
    const abandoned = await keepImportFile(Buffer.from('姓名,手机\n张先生,13800001111\n'), 'csv')
    const imported = await keepImportFile(Buffer.from('姓名,手机\n李女士,13900002222\n'), 'csv')
    const fresh = await keepImportFile(Buffer.from('姓名,手机\n王先生,13700003333\n'), 'csv')
    const leftover = path.join(path.dirname(fresh.path), `${fresh.hash}.csv.123.abc.tmp`)
    fs.writeFileSync(leftover, 'half')
    for (const file of [abandoned.path, imported.path, leftover]) age(file)
    const storeId = (await createStore((await createGroup()).id)).id
    const db = await getDb()
    await db.insert(imports).values({ storeId, kind: 'leads', fileName: 'a.csv', fileHash: imported.hash, byteSize: 10, status: 'done', storedPath: imported.path })

    const removed = await pruneUnconfirmedUploads()
    expect(removed.sort()).toEqual([`${abandoned.hash}.csv`, path.basename(leftover)].sort())
    expect(fs.existsSync(abandoned.path)).toBe(false)
    expect(fs.existsSync(imported.path)).toBe(true)
    expect(fs.existsSync(fresh.path)).toBe(true)
    expect(await pruneUnconfirmedUploads()).toEqual([])
  })

  it('expire after a day: their records go, and their files unless uploaded again since', async () => {
    const group = await createGroup()
    const storeId = (await createStore(group.id)).id
    const userId = (await createUser(group.id, 'specialist', [storeId])).id
    const old = Date.now() / 1000 - 2 * 86_400
    const expired = await keepImportFile(Buffer.from('姓名,手机\n赵女士,13600004444\n'), 'csv')
    const again = await keepImportFile(Buffer.from('姓名,手机\n钱先生,13500005555\n'), 'csv')
    for (const file of [expired.path, again.path]) fs.utimesSync(file, old, old)
    const db = await getDb()
    const upload = (hash: string, createdAt: Date) =>
      db.insert(importUploads).values({ storeId, uploadedById: userId, kind: 'leads', fileName: 'a.csv', fileHash: hash, ext: 'csv', byteSize: 10, createdAt }).returning()
    const [stale] = await upload(expired.hash, new Date(old * 1000))
    // the same bytes as a day-old file, uploaded again an hour ago: that upload can still be confirmed
    const [fresh] = await upload(again.hash, new Date(Date.now() - 3_600_000))

    expect(await pruneUnconfirmedUploads()).toEqual([`${expired.hash}.csv`])
    expect(await db.select().from(importUploads).where(eq(importUploads.id, stale!.id))).toEqual([])
    expect(await db.select().from(importUploads).where(eq(importUploads.id, fresh!.id))).toHaveLength(1)
    expect(fs.existsSync(again.path)).toBe(true)
  })
})
