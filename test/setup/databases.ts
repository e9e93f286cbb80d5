import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import postgres from 'postgres'
import { openPostgres, wrapPglite, type DbHandle, createPglite } from '../../db/client'

/**
 * One fresh, migrated database per test file: a copy of a template made once per run.
 * PGlite by default; the Postgres server when TEST_DATABASE_URL is set.
 */
// one template per run (vitest.config.ts names it), so that runs side by side never share one
const RUN_ID = process.env.ROADSHOW_TEST_RUN ?? 'default'
export const TEMPLATE_FILE = path.resolve(`node_modules/.cache/roadshow-test/pglite-template-${RUN_ID}.tar.gz`)
export const TEMPLATE_DB = `roadshow_test_template_${RUN_ID}`

export const serverUrl = () => process.env.TEST_DATABASE_URL || undefined

function withDatabase(url: string, name: string) {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

export async function createTemplate() {
  const url = serverUrl()
  if (url) {
    const admin = postgres(url, { max: 1, onnotice: () => {} })
    await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`)
    await admin.unsafe(`create database ${TEMPLATE_DB}`)
    await admin.end()
    const handle = openPostgres(withDatabase(url, TEMPLATE_DB), { max: 1 })
    await handle.migrate()
    await handle.close()
    return
  }
  const handle = wrapPglite(await createPglite())
  await handle.migrate()
  const client = (handle.db as unknown as { $client: PGlite }).$client
  const dump = await client.dumpDataDir('gzip')
  fs.mkdirSync(path.dirname(TEMPLATE_FILE), { recursive: true })
  fs.writeFileSync(TEMPLATE_FILE, Buffer.from(await dump.arrayBuffer()))
  await handle.close()
}

export async function dropTemplate() {
  const url = serverUrl()
  if (!url) {
    fs.rmSync(TEMPLATE_FILE, { force: true })
    return
  }
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  await admin.unsafe(`drop database if exists ${TEMPLATE_DB} with (force)`)
  await admin.end()
}

export async function createTestDatabase(): Promise<DbHandle> {
  const url = serverUrl()
  if (url) {
    const name = `roadshow_test_${crypto.randomBytes(5).toString('hex')}`
    const admin = postgres(url, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${name} template ${TEMPLATE_DB}`)
    const handle = openPostgres(withDatabase(url, name), { max: 4 })
    return {
      ...handle,
      close: async () => {
        await handle.close()
        await admin.unsafe(`drop database if exists ${name} with (force)`)
        await admin.end()
      },
    }
  }
  const blob = new Blob([fs.readFileSync(TEMPLATE_FILE)])
  return wrapPglite(await createPglite({ loadDataDir: blob }))
}
