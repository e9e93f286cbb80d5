import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { eq, is } from 'drizzle-orm'
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core'
import postgres from 'postgres'
import { create as tarCreate, extract as tarExtract } from 'tar'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { currentDbHandle, getDb, openPostgres, setDbOpener, wrapPglite, type DbHandle, createPglite } from '../db/client'
import * as schema from '../db/schema'
import {
  auditLog,
  budgetLines,
  competitorObservations,
  importUploads,
  imports,
  jobs,
  leadImportUndo,
  leads,
  loginAttempts,
  saleMatchReviews,
  salesMappings,
  stores,
  users,
} from '../db/schema'
import { seedDemo } from '../db/seed'
import { listFiles } from '../db/backup/archive'
import { readTables, tableId } from '../db/backup/catalog'
import { backupConnection, qualified } from '../db/backup/connection'
import { BACKUP_FORMAT_VERSION, KEPT_DIRS } from '../db/backup/manifest'
import { AnalyticsDb } from '../analytics/duckdb'
import { defineQuery, runQuery } from '../analytics/query'
import { rebuildAnalytics } from '../analytics/sync/rebuild'
import { pgSource } from '../analytics/sync/source'
import { keepImportFile } from '../app/services/import-files.server'
import { rememberImportMapping } from '../app/services/import-mappings.server'
import { keepPhoto } from '../app/services/photos.server'
import { importLeadFile } from '../app/services/lead-import.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { salesFileExt } from '../app/services/sales-import-job.server'
import { createSession } from '../app/utils/auth.server'
import { hashPassword } from '../app/utils/password.server'
import { checkPhoneHashKey, hashPhone } from '../app/utils/phone-hash.server'
import { takePhoneLookup } from '../app/services/phone-lookups.server'
import { deriveUtm } from '../app/utils/utm'
import { BASE } from './factories'
import { serverUrl, TEMPLATE_DB, TEMPLATE_FILE } from './setup/databases'

/**
 * SPEC §8 "Backup and restore": `npm run backup` writes one archive of the database (PGlite
 * or a Postgres server) and DATA_DIR's kept files; `npm run restore` brings both back into an
 * empty target, rebuilds the analytical store, refuses a target that holds data unless
 * --force, and refuses a damaged archive before touching anything. Every table's rows and
 * every kept file must come back as they were, and ids must continue past the restored ones.
 */

const PROCESS_TIMEOUT = 10 * 60_000
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-backup-'))
// the data directory the app's services write to (kept import files, a phone-hash key)
const sourceDir = path.join(tmp, 'source')
const createdDatabases: string[] = []

type Run = { code: number | null; stdout: string; stderr: string }

/** `npm run backup|restore -- ARGS`, started as npm would (node with tsx's loader). */
function runScript(script: 'backup' | 'restore', args: string[], env: { DATA_DIR: string; DATABASE_URL?: string }) {
  return new Promise<Run>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], {
      env: { ...process.env, DATABASE_URL: '', PHONE_HASH_KEY: '', ANALYTICS_THREADS: '1', ANALYTICS_MEMORY_LIMIT: '256MB', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** An embedded database under DIR/pg: a copy of the migrated template (made only when the suite runs on PGlite), else migrated here. */
async function embeddedSource(dir: string) {
  if (fs.existsSync(TEMPLATE_FILE)) return wrapPglite(await createPglite({ dataDir: path.join(dir, 'pg'), loadDataDir: new Blob([fs.readFileSync(TEMPLATE_FILE)]) }))
  const handle = wrapPglite(await createPglite({ dataDir: path.join(dir, 'pg') }))
  await handle.migrate()
  return handle
}
const openEmbedded = async (dataDir: string) => wrapPglite(await createPglite({ dataDir: path.join(dataDir, 'pg') }))

function withDatabase(url: string, name: string) {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

/** A new database on the test server: a copy of the migrated template, or empty. */
async function serverDatabase(options: { migrated: boolean }) {
  const url = serverUrl()!
  const name = `roadshow_test_${crypto.randomBytes(5).toString('hex')}`
  const admin = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(options.migrated ? `create database ${name} template ${TEMPLATE_DB}` : `create database ${name}`)
  } finally {
    await admin.end()
  }
  createdDatabases.push(name)
  return withDatabase(url, name)
}

/** A picture as a phone sends it (PNG: its signature, a header, one pixel). */
const PHOTO = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d6c0f40000000049454e44ae426082',
  'hex',
)

/** Every kind of record the app keeps, made by the app's own code where it has one. */
async function populate() {
  const db = await getDb()
  // a server's first start records the phone-hash key's fingerprint
  await checkPhoneHashKey(db)
  const seeded = await db.transaction((tx) => seedDemo(tx, { hashPassword, hashPhone, deriveUtm }))
  expect(seeded).toBeTruthy()
  const [store] = await db.select().from(stores).orderBy(stores.name).limit(1)
  const [user] = await db.select().from(users).where(eq(users.role, 'specialist')).limit(1)
  // a sales export kept as Parquet under DATA_DIR/imports/sales, registered with its row outcomes
  const salesBytes = fs.readFileSync('test/fixtures/sales/dms-sales-bad-rows.csv')
  const ext = salesFileExt(salesBytes)
  const kept = await keepImportFile(salesBytes, ext)
  const sales = await runSalesImport({ storeId: store!.id, fileHash: kept.hash, ext, fileName: 'dms-sales-bad-rows.csv', mapping: null, createdById: user!.id })
  expect(sales.imported).toBeGreaterThan(0)
  // a lead-platform export: the file kept as uploaded, leads merged or added with touchpoints
  const leadFile = fs.readFileSync('test/fixtures/autohome-leads-gbk.csv')
  await importLeadFile({ storeId: store!.id, userId: user!.id, platform: 'autohome', file: { bytes: leadFile, fileName: 'autohome-leads-gbk.csv' } })
  const upload = await keepImportFile(leadFile, 'csv')
  await db.insert(importUploads).values({ storeId: store!.id, uploadedById: user!.id, kind: 'leads', fileName: '汽车之家 线索.csv', fileHash: upload.hash, ext: 'csv', byteSize: leadFile.length })
  await db.insert(salesMappings).values({ storeId: store!.id, columns: [{ header: '车架号', field: 'vin', scale: 1 }], updatedById: user!.id }).onConflictDoNothing()
  await createSession(new Request(BASE), user!.id)
  // a phone look-up counted against the user's allowance
  expect(await takePhoneLookup(user!.id)).toBe(0)
  await db.insert(loginAttempts).values([
    { email: 'someone@example.test', ip: '203.0.113.7', success: false },
    { email: 'someone@example.test', ip: '203.0.113.7', success: true },
  ])
  await db.insert(auditLog).values({ userId: user!.id, storeId: store!.id, action: 'test.backup', entityType: 'store', entityId: store!.id, before: { quote: `it's "quoted"\ttab\nline` }, after: { n: [1, 2.5, null] }, ip: '::1' })
  await db.insert(jobs).values({ kind: 'sales_import', storeId: store!.id, createdById: user!.id, status: 'failed', input: { fileHash: kept.hash }, errorKey: 'jobs.error.interrupted', errorParams: { attempts: 2 } })
  // a deletion: the analytics change log gets a row (derived, not restored)
  const [line] = await db.select({ id: budgetLines.id }).from(budgetLines).limit(1)
  await db.delete(budgetLines).where(eq(budgetLines.id, line!.id))
  // a competitor's car photographed: the picture kept under DATA_DIR/photos, the observation pointing at it
  const photo = await keepPhoto(PHOTO)
  const [observation] = await db.select({ id: competitorObservations.id }).from(competitorObservations).limit(1)
  await db.update(competitorObservations).set({ photoSha256: photo, photoType: 'image/png' }).where(eq(competitorObservations.id, observation!.id))
  // the store's remembered columns of an import kind other than sales
  await rememberImportMapping(store!.id, 'observations', [{ header: '品牌', field: 'brand' }, { header: '备注 "内部"', field: null }], user!.id)
  // a person's decision on a suggested sale match
  const [lead] = await db.select({ id: leads.id }).from(leads).where(eq(leads.storeId, store!.id)).orderBy(leads.id).limit(1)
  await db.insert(saleMatchReviews).values({ storeId: store!.id, saleKey: 'LSVAL6BR9N2054321', leadId: lead!.id, decision: 'rejected', rule: 'phone', decidedById: user!.id })
  // a lead import caught mid-way: what it changed on a lead, kept to undo it
  const [pending] = await db
    .insert(imports)
    .values({ storeId: store!.id, kind: 'leads', fileName: '进行中.csv', fileHash: upload.hash, byteSize: leadFile.length, status: 'pending', createdById: user!.id })
    .returning({ id: imports.id })
  await db.insert(leadImportUndo).values({ importId: pending!.id, leadId: lead!.id, created: false, before: { name: '张先生', note: 'tab\tand "quotes"\\' }, versionAfter: 2 })
  // the phone-hash key made under DATA_DIR/secrets when PHONE_HASH_KEY is not set (tests set it)
  fs.mkdirSync(path.join(sourceDir, 'secrets'), { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(sourceDir, 'secrets', 'phone-hash.key'), crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600 })
}

/** Every table the code declares (db/schema), as `schema.table`: a table added later is in this list by itself. */
const SCHEMA_TABLES = (Object.values(schema) as unknown[])
  .filter((value): value is PgTable => is(value, PgTable))
  .map((table) => {
    const config = getTableConfig(table)
    return `${config.schema ?? 'public'}.${config.name}`
  })
  .sort()

/**
 * Every table of the schema, and every table the database has (drizzle's migration log
 * included), holds rows: a round trip of empty tables would prove nothing about them.
 */
function expectEveryTableFilled(source: Record<string, unknown[]>) {
  expect(SCHEMA_TABLES.length).toBeGreaterThanOrEqual(35)
  expect(SCHEMA_TABLES.filter((t) => !(t in source)), 'declared in db/schema but not in the database').toEqual([])
  const tables = [...new Set([...SCHEMA_TABLES, ...Object.keys(source)])].sort()
  expect(tables.filter((t) => !source[t]?.length), 'tables without a row: populate() must make one').toEqual([])
}

/** Every table's rows as JSON, in key order (transaction ids left out: they belong to one cluster). */
async function snapshot(handle: DbHandle) {
  return backupConnection(handle).transaction(async (tx) => {
    const out: Record<string, unknown[]> = {}
    for (const table of await readTables(tx)) {
      const order = (table.key.length ? table.key : table.columns).map((c) => `"${c.name}"`).join(', ')
      const rows = await tx.query<{ row: string }>(`select (to_jsonb(t) - 'sync_xid')::text as row from ${qualified(table.schema, table.name)} t order by ${order}`)
      out[tableId(table)] = rows.map((r) => JSON.parse(r.row))
    }
    return out
  })
}

/**
 * What of a data directory a backup must carry: every file but the embedded database (the
 * dump stands for it) and its lock, the analytical copy (rebuilt), and what is being written
 * (tmp/, *.tmp). Whatever else the app comes to write under DATA_DIR is counted here too, so
 * a new kind of kept file that the backup leaves out fails the round trip.
 */
const NOT_KEPT = new Set(['pg', 'pg.lock', 'analytics', 'tmp'])
function keptFiles(dataDir: string) {
  const files: Record<string, string> = {}
  for (const p of listFiles(dataDir)) {
    if (NOT_KEPT.has(p.split('/')[0]!) || p.startsWith('.restore-') || /\.tmp$/.test(p)) continue
    files[p] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dataDir, p))).digest('hex')
  }
  // the kept directories the backup code names are the ones found here
  expect([...new Set(Object.keys(files).map((p) => p.split('/')[0]))].every((d) => (KEPT_DIRS as readonly string[]).includes(d!))).toBe(true)
  return files
}

async function expectSameData(source: Record<string, unknown[]>, restored: Record<string, unknown[]>) {
  expect(Object.keys(restored).sort()).toEqual(Object.keys(source).sort())
  for (const [table, rows] of Object.entries(source)) {
    if (table === 'public.sync_deletions') {
      expect(rows.length, 'the source logged a deletion').toBeGreaterThan(0)
      expect(restored[table], 'the analytics change log starts empty').toEqual([])
      continue
    }
    expect(restored[table], table).toEqual(rows)
  }
}

/** A new row in every table with a sequence gets an id past the restored ones. */
async function expectSequencesContinue(handle: DbHandle, source: Record<string, unknown[]>) {
  const db = handle.db
  const maxId = (table: string) => Math.max(0, ...source[table]!.map((r) => Number((r as { id: number }).id)))
  const [audit] = await db.insert(auditLog).values({ action: 'test.after-restore', entityType: 'store' }).returning({ id: auditLog.id })
  expect(audit!.id).toBeGreaterThan(maxId('public.audit_log'))
  const [attempt] = await db.insert(loginAttempts).values({ email: 'x@example.test', ip: '198.51.100.1', success: true }).returning({ id: loginAttempts.id })
  expect(attempt!.id).toBeGreaterThan(maxId('public.login_attempts'))
}

const duckTables = defineQuery()({
  name: 'test.backup.tables',
  sql: `SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY 1`,
})

/**
 * What an analytical copy holds: every table's rows in a stable order (the synced tables, the
 * current sales, the matches and what is derived from them), its bookkeeping left out (the
 * watermark and the source's identity name one database, not the data).
 */
async function analyticalContents(live: string) {
  const db = await AnalyticsDb.open({ path: fs.realpathSync(live), memoryLimit: '256MB', threads: 1 })
  try {
    return await db.withConnection(async (c) => {
      const out: Record<string, unknown[]> = {}
      for (const { name } of (await runQuery(c, duckTables, {})) as Array<{ name: string }>) {
        if (name === '_roadshow_meta') continue
        out[name] = await runQuery(c, defineQuery()({ name: `test.backup.rows.${name}`, sql: `SELECT * FROM "${name.replace(/"/g, '""')}" ORDER BY ALL` }), {})
      }
      return out
    })
  } finally {
    await db.close()
  }
}

/** The analytical copy made from the source before it was backed up, as `npm run analytics:rebuild` makes it. */
async function sourceAnalytics(handle: DbHandle, name: string) {
  const live = path.join(tmp, `${name}-analytics`, 'analytics.duckdb')
  await rebuildAnalytics(pgSource(handle), { file: live, chunkRows: 50_000, memoryLimit: '256MB', threads: 1 })
  return analyticalContents(live)
}

/** The restored data directory's analytical copy was made anew from the restored database: the same as the source's. */
async function expectSameAnalytics(dataDir: string, source: Record<string, unknown[]>) {
  const restored = await analyticalContents(path.join(dataDir, 'analytics', 'analytics.duckdb'))
  expect(Object.keys(restored).sort()).toEqual(Object.keys(source).sort())
  for (const table of ['leads', 'touchpoints', 'sale_match_reviews', 'sales', 'sale_matches']) expect(source[table]?.length, table).toBeGreaterThan(0)
  for (const [table, rows] of Object.entries(source)) expect(restored[table], table).toEqual(rows)
}

beforeAll(() => {
  vi.stubEnv('DATA_DIR', sourceDir)
  fs.mkdirSync(sourceDir, { recursive: true })
})

/** Closes the database the services wrote to: from here on only the commands open it. */
async function closeSource() {
  await (await currentDbHandle())!.close()
  setDbOpener(() => Promise.reject(new Error('the source database is closed')))
}

afterAll(async () => {
  const url = serverUrl()
  if (url && createdDatabases.length) {
    const admin = postgres(url, { max: 1, onnotice: () => {} })
    try {
      for (const name of createdDatabases) await admin.unsafe(`drop database if exists ${name} with (force)`)
    } finally {
      await admin.end()
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true })
})

describe('the embedded database (PGlite)', () => {
  const archive = path.join(tmp, 'embedded.tar.gz')
  const restoredDir = path.join(tmp, 'restored-embedded')
  let source: Record<string, unknown[]>
  let sourceFiles: Record<string, string>
  let analytics: Record<string, unknown[]>

  beforeAll(async () => {
    setDbOpener(() => embeddedSource(sourceDir))
    await populate()
    source = await snapshot((await currentDbHandle())!)
    analytics = await sourceAnalytics((await currentDbHandle())!, 'embedded')
    await closeSource()
    sourceFiles = keptFiles(sourceDir)
  }, PROCESS_TIMEOUT)

  it('holds a row in every table and every kind of kept file before the backup', () => {
    expectEveryTableFilled(source)
    expect(Object.keys(sourceFiles).some((p) => p.startsWith('imports/sales/') && p.endsWith('.parquet'))).toBe(true)
    expect(Object.keys(sourceFiles)).toContain('secrets/phone-hash.key')
    expect(Object.keys(sourceFiles).filter((p) => p.startsWith('photos/'))).toHaveLength(1)
  })

  it('backs up to one archive without the analytical store or PGlite files', async () => {
    const run = await runScript('backup', ['--out', archive], { DATA_DIR: sourceDir })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/Backed up the embedded database .* tables, \d+ rows; \d+ kept files/s)
    expect(fs.statSync(archive).mode & 0o077).toBe(0)
    const entries: string[] = []
    const listDir = path.join(tmp, 'list')
    fs.mkdirSync(listDir)
    await tarExtract({ file: archive, cwd: listDir, onReadEntry: (e) => entries.push(e.path) })
    expect(entries).toContain('manifest.json')
    expect(entries).toContain('secrets/phone-hash.key')
    // every kept file, photos included, and nothing else of the data directory
    expect(entries.filter((e) => !e.startsWith('db/') && e !== 'manifest.json').sort()).toEqual(Object.keys(sourceFiles).sort())
    expect(entries.some((e) => /(^|\/)pg\/|\.duckdb|analytics\//.test(e))).toBe(false)
    const manifest = JSON.parse(fs.readFileSync(path.join(listDir, 'manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ format: 'roadshow-backup', formatVersion: BACKUP_FORMAT_VERSION, database: { kind: 'pglite' } })
    expect(manifest.database.migrations.count).toBeGreaterThan(0)
  }, PROCESS_TIMEOUT)

  it('restores into an empty data directory: the same rows and files, the analytical store rebuilt', async () => {
    const run = await runScript('restore', [archive], { DATA_DIR: restoredDir })
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/Restored embedded\.tar\.gz .* into the embedded database/)
    expect(run.stdout).toMatch(/Rebuilt the analytical store/)
    expect(fs.existsSync(path.join(restoredDir, 'analytics', 'analytics.duckdb'))).toBe(true)
    expect(fs.readdirSync(restoredDir).filter((n) => n.startsWith('.restore-'))).toEqual([])
    expect(keptFiles(restoredDir)).toEqual(sourceFiles)
    const handle = await openEmbedded(restoredDir)
    try {
      await expectSameData(source, await snapshot(handle))
      await expectSequencesContinue(handle, source)
    } finally {
      await handle.close()
    }
    await expectSameAnalytics(restoredDir, analytics)
  }, PROCESS_TIMEOUT)

  it('refuses a target that holds data unless --force, and then replaces it', async () => {
    const refused = await runScript('restore', [archive], { DATA_DIR: restoredDir })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/The target is not empty: the database holds rows in \d+ tables .* --force/)
    let handle = await openEmbedded(restoredDir)
    const [extra] = await handle.db.select({ id: auditLog.id }).from(auditLog).where(eq(auditLog.action, 'test.after-restore'))
    expect(extra, 'the refused restore changed nothing').toBeTruthy()
    await handle.close()

    const forced = await runScript('restore', [archive, '--force'], { DATA_DIR: restoredDir })
    expect(forced.code, forced.stderr).toBe(0)
    handle = await openEmbedded(restoredDir)
    try {
      await expectSameData(source, await snapshot(handle))
    } finally {
      await handle.close()
    }
    expect(keptFiles(restoredDir)).toEqual(sourceFiles)
  }, PROCESS_TIMEOUT)

  it('refuses a damaged or foreign archive before touching anything', async () => {
    const unpacked = path.join(tmp, 'unpacked')
    fs.mkdirSync(unpacked)
    await tarExtract({ file: archive, cwd: unpacked })
    const names = listFiles(unpacked)
    const repack = async (name: string) => {
      const file = path.join(tmp, name)
      await tarCreate({ gzip: true, file, cwd: unpacked, portable: true }, names)
      return file
    }
    const target = path.join(tmp, 'untouched')
    const expectRefused = async (file: string, message: RegExp) => {
      const run = await runScript('restore', [file], { DATA_DIR: target })
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(message)
      // nothing was made: no database, no files
      expect(fs.existsSync(path.join(target, 'pg'))).toBe(false)
      expect(fs.existsSync(target) ? fs.readdirSync(target) : []).toEqual([])
    }

    // one byte of one table changed
    const leads = path.join(unpacked, 'db', 'public.leads.copy')
    const original = fs.readFileSync(leads)
    const tampered = Buffer.from(original)
    const at = Math.floor(tampered.length / 2)
    tampered[at] = tampered[at]! ^ 0x01
    fs.writeFileSync(leads, tampered)
    await expectRefused(await repack('tampered.tar.gz'), /damaged: db\/public\.leads\.copy does not match its checksum/)
    fs.writeFileSync(leads, original)

    // a kept file that is not in the manifest
    fs.writeFileSync(path.join(unpacked, 'imports', 'extra.csv'), 'a,b\n')
    names.push('imports/extra.csv')
    await expectRefused(await repack('extra.tar.gz'), /does not list/)
    names.pop()
    fs.rmSync(path.join(unpacked, 'imports', 'extra.csv'))

    // a format or a migration level this code does not know
    const manifestPath = path.join(unpacked, 'manifest.json')
    const manifest = fs.readFileSync(manifestPath, 'utf8')
    fs.writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(manifest), formatVersion: BACKUP_FORMAT_VERSION + 1 }))
    await expectRefused(await repack('future.tar.gz'), new RegExp(`format ${BACKUP_FORMAT_VERSION + 1}; this version of Roadshow reads formats 1 and 2`))
    const newer = JSON.parse(manifest)
    newer.database.migrations = { count: newer.database.migrations.count + 1, last: { tag: '9999_future', createdAt: 4_102_444_800_000 } }
    fs.writeFileSync(manifestPath, JSON.stringify(newer))
    await expectRefused(await repack('newer.tar.gz'), /migration 9999_future .* does not know/)
    fs.writeFileSync(manifestPath, manifest)

    // not an archive at all, and a truncated one
    const garbage = path.join(tmp, 'garbage.tar.gz')
    fs.writeFileSync(garbage, 'this is not a backup\n')
    await expectRefused(garbage, /not a readable backup archive/)
    const truncated = path.join(tmp, 'truncated.tar.gz')
    const whole = fs.readFileSync(archive)
    fs.writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)))
    await expectRefused(truncated, /not a readable backup archive|incomplete|no manifest\.json/)
    await expectRefused(path.join(tmp, 'missing.tar.gz'), /No backup archive at/)
  }, PROCESS_TIMEOUT)

  it('restores an archive of format 1, made before photos were kept, and leaves DATA_DIR/photos as it is', async () => {
    const unpacked = path.join(tmp, 'format1')
    fs.mkdirSync(unpacked)
    await tarExtract({ file: archive, cwd: unpacked })
    fs.rmSync(path.join(unpacked, 'photos'), { recursive: true })
    const manifest = JSON.parse(fs.readFileSync(path.join(unpacked, 'manifest.json'), 'utf8'))
    manifest.formatVersion = 1
    manifest.files = manifest.files.filter((f: { path: string }) => !f.path.startsWith('photos/'))
    fs.writeFileSync(path.join(unpacked, 'manifest.json'), JSON.stringify(manifest))
    const old = path.join(tmp, 'format1.tar.gz')
    await tarCreate({ gzip: true, file: old, cwd: unpacked, portable: true }, listFiles(unpacked))

    const photosBefore = Object.keys(keptFiles(restoredDir)).filter((p) => p.startsWith('photos/'))
    expect(photosBefore).toHaveLength(1)
    const run = await runScript('restore', [old, '--force'], { DATA_DIR: restoredDir })
    expect(run.code, run.stderr).toBe(0)
    expect(keptFiles(restoredDir)).toEqual(sourceFiles)
  }, PROCESS_TIMEOUT)

  it('says to stop the server when it holds the embedded database', async () => {
    // a live process (this one) holds the lock of the source's embedded database
    fs.writeFileSync(path.join(sourceDir, 'pg.lock'), String(process.pid))
    try {
      const run = await runScript('backup', ['--out', path.join(tmp, 'locked.tar.gz')], { DATA_DIR: sourceDir })
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/in use by another Roadshow process \(pid \d+\), most likely the server.*stop the server, run npm run backup again/s)
      expect(fs.existsSync(path.join(tmp, 'locked.tar.gz'))).toBe(false)
    } finally {
      fs.rmSync(path.join(sourceDir, 'pg.lock'), { force: true })
    }
  }, PROCESS_TIMEOUT)

  it('refuses bad arguments', async () => {
    const run = await runScript('restore', [], { DATA_DIR: path.join(tmp, 'args') })
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/Name the archive to restore\.\nUsage: npm run restore -- FILE/)
    const bad = await runScript('backup', ['--bogus'], { DATA_DIR: path.join(tmp, 'args') })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/Usage: npm run backup/)
  }, PROCESS_TIMEOUT)

  if (serverUrl()) {
    it('restores the embedded archive onto a Postgres server (moving to production)', async () => {
      const url = await serverDatabase({ migrated: false })
      const dir = path.join(tmp, 'embedded-to-server')
      const run = await runScript('restore', [archive], { DATA_DIR: dir, DATABASE_URL: url })
      expect(run.code, run.stderr).toBe(0)
      expect(run.stdout).toMatch(/into the Postgres server/)
      const handle = openPostgres(url, { max: 1 })
      try {
        await expectSameData(source, await snapshot(handle))
        await expectSequencesContinue(handle, source)
      } finally {
        await handle.close()
      }
      expect(keptFiles(dir)).toEqual(sourceFiles)
    }, PROCESS_TIMEOUT)
  }
})

if (serverUrl()) {
  describe('a Postgres server', () => {
    const archive = path.join(tmp, 'server.tar.gz')
    let sourceUrl: string
    let source: Record<string, unknown[]>
    let sourceFiles: Record<string, string>
    let analytics: Record<string, unknown[]>

    beforeAll(async () => {
      sourceUrl = await serverDatabase({ migrated: true })
      setDbOpener(async () => openPostgres(sourceUrl, { max: 4 }))
      await populate()
      source = await snapshot((await currentDbHandle())!)
      analytics = await sourceAnalytics((await currentDbHandle())!, 'server')
      await closeSource()
      sourceFiles = keptFiles(sourceDir)
    }, PROCESS_TIMEOUT)

    it('round-trips into an empty database: the same rows, files and analytical copy, ids continuing', async () => {
      expectEveryTableFilled(source)
      expect(Object.keys(sourceFiles).filter((p) => p.startsWith('photos/'))).toHaveLength(1)
      const backup = await runScript('backup', ['--out', archive, '--json'], { DATA_DIR: sourceDir, DATABASE_URL: sourceUrl })
      expect(backup.code, backup.stderr).toBe(0)
      const summary = JSON.parse(backup.stdout)
      expect(summary).toMatchObject({ ok: true, kind: 'postgres' })
      expect(summary.rows).toBeGreaterThan(1000)

      const targetUrl = await serverDatabase({ migrated: false })
      const dir = path.join(tmp, 'restored-server')
      const restore = await runScript('restore', [archive], { DATA_DIR: dir, DATABASE_URL: targetUrl })
      expect(restore.code, restore.stderr).toBe(0)
      expect(restore.stdout).toMatch(/Rebuilt the analytical store/)
      expect(keptFiles(dir)).toEqual(sourceFiles)
      const handle = openPostgres(targetUrl, { max: 1 })
      try {
        await expectSameData(source, await snapshot(handle))
        await expectSequencesContinue(handle, source)
      } finally {
        await handle.close()
      }
      await expectSameAnalytics(dir, analytics)
    }, PROCESS_TIMEOUT)

    it('refuses a migrated database that holds rows unless --force, and replaces it with --force', async () => {
      const dir = path.join(tmp, 'server-forced')
      const refused = await runScript('restore', [archive], { DATA_DIR: dir, DATABASE_URL: sourceUrl })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toMatch(/The target is not empty/)
      // a migrated but empty database is no obstacle
      const emptyUrl = await serverDatabase({ migrated: true })
      const intoEmpty = await runScript('restore', [archive], { DATA_DIR: path.join(tmp, 'server-empty'), DATABASE_URL: emptyUrl })
      expect(intoEmpty.code, intoEmpty.stderr).toBe(0)
      const forced = await runScript('restore', [archive, '--force'], { DATA_DIR: dir, DATABASE_URL: emptyUrl })
      expect(forced.code, forced.stderr).toBe(0)
      const handle = openPostgres(emptyUrl, { max: 1 })
      try {
        await expectSameData(source, await snapshot(handle))
      } finally {
        await handle.close()
      }
    }, PROCESS_TIMEOUT)
  })
}
