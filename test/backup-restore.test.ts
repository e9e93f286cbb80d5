import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { eq } from 'drizzle-orm'
import postgres from 'postgres'
import { create as tarCreate, extract as tarExtract } from 'tar'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { currentDbHandle, getDb, openPostgres, setDbOpener, wrapPglite, type DbHandle } from '../db/client'
import { auditLog, budgetLines, importUploads, jobs, loginAttempts, salesMappings, stores, users } from '../db/schema'
import { seedDemo } from '../db/seed'
import { listFiles } from '../db/backup/archive'
import { readTables, tableId } from '../db/backup/catalog'
import { backupConnection, qualified } from '../db/backup/connection'
import { keepImportFile } from '../app/services/import-files.server'
import { importLeadFile } from '../app/services/lead-import.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { salesFileExt } from '../app/services/sales-import-job.server'
import { createSession } from '../app/utils/auth.server'
import { hashPassword } from '../app/utils/password.server'
import { hashPhone } from '../app/utils/phone-hash.server'
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
  if (fs.existsSync(TEMPLATE_FILE)) return wrapPglite(await PGlite.create({ dataDir: path.join(dir, 'pg'), loadDataDir: new Blob([fs.readFileSync(TEMPLATE_FILE)]) }))
  const handle = wrapPglite(await PGlite.create({ dataDir: path.join(dir, 'pg') }))
  await handle.migrate()
  return handle
}
const openEmbedded = async (dataDir: string) => wrapPglite(await PGlite.create({ dataDir: path.join(dataDir, 'pg') }))

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

/** Every kind of record the app keeps, made by the app's own code where it has one. */
async function populate() {
  const db = await getDb()
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
  await db.insert(loginAttempts).values([
    { email: 'someone@example.test', ip: '203.0.113.7', success: false },
    { email: 'someone@example.test', ip: '203.0.113.7', success: true },
  ])
  await db.insert(auditLog).values({ userId: user!.id, storeId: store!.id, action: 'test.backup', entityType: 'store', entityId: store!.id, before: { quote: `it's "quoted"\ttab\nline` }, after: { n: [1, 2.5, null] }, ip: '::1' })
  await db.insert(jobs).values({ kind: 'sales_import', storeId: store!.id, createdById: user!.id, status: 'failed', input: { fileHash: kept.hash }, errorKey: 'jobs.error.interrupted', errorParams: { attempts: 2 } })
  // a deletion: the analytics change log gets a row (derived, not restored)
  const [line] = await db.select({ id: budgetLines.id }).from(budgetLines).limit(1)
  await db.delete(budgetLines).where(eq(budgetLines.id, line!.id))
  // the phone-hash key made under DATA_DIR/secrets when PHONE_HASH_KEY is not set (tests set it)
  fs.mkdirSync(path.join(sourceDir, 'secrets'), { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(sourceDir, 'secrets', 'phone-hash.key'), crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600 })
}

const KINDS_OF_RECORDS = [
  'dealer_groups', 'stores', 'users', 'user_stores', 'sessions', 'login_attempts', 'audit_log',
  'campaigns', 'campaign_tasks', 'media_placements', 'promotion_policies', 'budget_lines', 'campaign_transitions',
  'tracking_links', 'link_clicks', 'sites', 'visitors', 'web_events', 'leads', 'touchpoints', 'lead_events', 'showroom_visits',
  'imports', 'import_rows', 'import_uploads', 'jobs', 'sales_mappings', 'sync_deletions',
]

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

function keptFiles(dataDir: string) {
  const files: Record<string, string> = {}
  for (const dir of ['imports', 'secrets']) {
    for (const p of listFiles(path.join(dataDir, dir), dir)) files[p] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dataDir, p))).digest('hex')
  }
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

  beforeAll(async () => {
    setDbOpener(() => embeddedSource(sourceDir))
    await populate()
    source = await snapshot((await currentDbHandle())!)
    await closeSource()
    sourceFiles = keptFiles(sourceDir)
  }, PROCESS_TIMEOUT)

  it('holds every kind of record before the backup', () => {
    for (const table of KINDS_OF_RECORDS) expect(source[`public.${table}`]?.length, table).toBeGreaterThan(0)
    expect(Object.keys(sourceFiles).some((p) => p.startsWith('imports/sales/') && p.endsWith('.parquet'))).toBe(true)
    expect(Object.keys(sourceFiles)).toContain('secrets/phone-hash.key')
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
    expect(entries.filter((e) => e.startsWith('imports/')).sort()).toEqual(Object.keys(sourceFiles).filter((p) => p.startsWith('imports/')).sort())
    expect(entries.some((e) => /(^|\/)pg\/|\.duckdb|analytics\//.test(e))).toBe(false)
    const manifest = JSON.parse(fs.readFileSync(path.join(listDir, 'manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ format: 'roadshow-backup', formatVersion: 1, database: { kind: 'pglite' } })
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
    fs.writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(manifest), formatVersion: 2 }))
    await expectRefused(await repack('format2.tar.gz'), /format 2; this version of Roadshow reads format 1/)
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

    beforeAll(async () => {
      sourceUrl = await serverDatabase({ migrated: true })
      setDbOpener(async () => openPostgres(sourceUrl, { max: 4 }))
      await populate()
      source = await snapshot((await currentDbHandle())!)
      await closeSource()
      sourceFiles = keptFiles(sourceDir)
    }, PROCESS_TIMEOUT)

    it('round-trips into an empty database: the same rows and files, ids continuing', async () => {
      for (const table of KINDS_OF_RECORDS) expect(source[`public.${table}`]?.length, table).toBeGreaterThan(0)
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
