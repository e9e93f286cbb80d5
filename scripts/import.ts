import fs from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { and, eq, sql } from 'drizzle-orm'
import { getDbHandle } from '../db/client'
import { importRows, stores, users } from '../db/schema'
import { translator, type MessageKey } from '../app/i18n'
import { PLATFORM_CHOICES, type PlatformChoice } from '../app/schemas/lead-import'
import { ImportError, importLeadFile, type LeadImportResult } from '../app/services/lead-import.server'
import { splitMessage } from '../app/utils/form'
import { JobError } from '../app/services/jobs.server'
import { keepImportFile } from '../app/services/import-files.server'
import { runSalesImport, type SalesImportResult } from '../app/services/sales-import.server'
import { salesFileExt } from '../app/services/sales-import-job.server'
import { MARKET_MEASURES, type MarketMeasure } from '../app/schemas/market'
import { runMarketImport, type MarketImportResult } from '../app/services/market-import.server'
import { marketFileExt } from '../app/services/market-import-job.server'
import { observationFileExt, runObservationImport, type ObservationImportResult } from '../app/services/observation-import.server'

/**
 * `npm run import -- leads FILE --store <store id or name> [--platform auto|autohome|bitauto|dongchedi|other]
 *  [--user <email>] [--json]`: the import of the web pages, for scheduled jobs. Migrates the
 * database first (like the server's start). Exits 0 with a summary, 1 with the reason.
 */
const USAGE =
  'Usage: npm run import -- leads FILE --store <store id or name> [--platform auto|autohome|bitauto|dongchedi|other] [--user <email>] [--json]\n' +
  '       npm run import -- sales FILE --store <store id or name> [--user <email>] [--json]\n' +
  '       npm run import -- market FILE --store <store id or name> [--measure registrations|sales] [--user <email>] [--json]\n' +
  '       npm run import -- observations FILE --store <store id or name> [--user <email>] [--json]'

const t = translator('en')
const say = (message: string | null) => {
  if (!message) return ''
  const [key, vars] = splitMessage(message)
  return t(key as MessageKey, vars)
}

class UsageError extends Error {}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      platform: { type: 'string', default: 'auto' },
      measure: { type: 'string' },
      user: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  })
  if (values.help) {
    console.log(USAGE)
    return 0
  }
  const [kind, file] = positionals
  if (kind !== 'leads' && kind !== 'sales' && kind !== 'market' && kind !== 'observations') {
    throw new UsageError(kind === 'competitors' ? `Competitor observations import as “observations”.\n${USAGE}` : USAGE)
  }
  if (!file) throw new UsageError(`Name the file to import.\n${USAGE}`)
  if (!values.store) throw new UsageError(`Name the store with --store.\n${USAGE}`)
  if (!(PLATFORM_CHOICES as readonly string[]).includes(values.platform!)) {
    throw new UsageError(`--platform must be one of ${PLATFORM_CHOICES.join(', ')}.`)
  }
  if (values.measure !== undefined && !(MARKET_MEASURES as readonly string[]).includes(values.measure)) {
    throw new UsageError(`--measure must be one of ${MARKET_MEASURES.join(', ')}.`)
  }
  let bytes: Buffer
  try {
    bytes = await fs.readFile(file)
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }

  const handle = await getDbHandle()
  try {
    const db = handle.db
    const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.store)
    const found = await db
      .select({ id: stores.id, name: stores.name })
      .from(stores)
      .where(isId ? eq(stores.id, values.store) : eq(stores.name, values.store))
    if (found.length !== 1) {
      throw new UsageError(found.length ? `Several stores are named “${values.store}”: use the store's id.` : `No store “${values.store}”.`)
    }
    const store = found[0]!
    let userId: string | null = null
    if (values.user) {
      const [user] = await db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${values.user.toLowerCase()}`)
      if (!user) throw new UsageError(`No user with the email ${values.user}.`)
      userId = user.id
    }
    if (kind === 'sales') {
      // the job's handler, run inline: no server needed, nothing queued
      const ext = salesFileExt(bytes)
      const kept = await keepImportFile(bytes, ext)
      const result = await runSalesImport({ storeId: store.id, fileHash: kept.hash, ext, fileName: path.basename(file).slice(0, 255), mapping: null, createdById: userId })
      reportSales(result, store.name, path.basename(file), values.json!)
      return 0
    }
    if (kind === 'market') {
      // the job's handler, run inline; without --measure the file's headers say it (销量: sales), else registrations
      const kept = await keepImportFile(bytes, marketFileExt(bytes))
      const result = await runMarketImport({
        storeId: store.id,
        fileHash: kept.hash,
        ext: marketFileExt(bytes),
        fileName: path.basename(file).slice(0, 255),
        measure: (values.measure as MarketMeasure | undefined) ?? null,
        mapping: null,
        createdById: userId,
      })
      reportMarket(result, store.name, path.basename(file), values.json!)
      return 0
    }
    if (kind === 'observations') {
      // the job's handler, run inline; the mapping is the store's remembered one, else the guess
      const ext = observationFileExt(bytes)
      const kept = await keepImportFile(bytes, ext)
      const result = await runObservationImport({ storeId: store.id, fileHash: kept.hash, ext, fileName: path.basename(file).slice(0, 255), mapping: null, createdById: userId, ip: null })
      reportObservations(result, store.name, path.basename(file), values.json!)
      return 0
    }
    const result = await importLeadFile({
      storeId: store.id,
      userId,
      platform: values.platform as PlatformChoice,
      file: { bytes, fileName: path.basename(file) },
    })
    const failed = await db
      .select({ rowNumber: importRows.rowNumber, column: importRows.column, reason: importRows.reason })
      .from(importRows)
      .where(and(eq(importRows.importId, result.importId), eq(importRows.outcome, 'failed')))
      .orderBy(importRows.rowNumber)
    report(result, store.name, path.basename(file), failed, values.json!)
    return 0
  } finally {
    await handle.close()
  }
}

function report(
  result: LeadImportResult,
  storeName: string,
  fileName: string,
  failed: Array<{ rowNumber: number; column: string | null; reason: string | null }>,
  json: boolean,
) {
  if (json) {
    console.log(JSON.stringify({ ok: true, importId: result.importId, reused: result.reused, platform: result.platform, counts: result.counts, failed }))
    return
  }
  const c = result.counts
  reportHead(result, storeName, fileName, `, platform ${result.platform ?? 'per row'}`)
  console.log(`  ${c.imported} new leads, ${c.merged} added to existing leads, ${c.duplicate} already imported, ${c.skipped} skipped, ${c.failed} failed`)
  for (const row of failed) console.log(`  row ${row.rowNumber}${row.column ? `, ${row.column}` : ''}: ${say(row.reason)}`)
}

/** The first line of a report: what was imported where, or that the same file changed nothing. */
function reportHead(result: { reused: boolean; importId: string }, storeName: string, fileName: string, detail = '') {
  console.log(
    result.reused
      ? `${fileName} was already imported into ${storeName} (import ${result.importId}): nothing changed.`
      : `Imported ${fileName} into ${storeName} (import ${result.importId}${detail}).`,
  )
}

/** The first refused rows, each with its column and reason, and where the rest are when there are more. */
function reportRows(rows: ReadonlyArray<{ rowNumber: number; column: string | null; reason: string | null }>, total: number, rest: string) {
  for (const row of rows) console.log(`  row ${row.rowNumber}${row.column ? `, ${row.column}` : ''}: ${say(row.reason)}`)
  if (total > rows.length) console.log(`  … ${rest}`)
}

function reportSales(result: SalesImportResult, storeName: string, fileName: string, json: boolean) {
  if (json) {
    console.log(JSON.stringify({ ok: true, ...result }))
    return
  }
  reportHead(result, storeName, fileName)
  const s = result.skipped
  console.log(
    `  ${result.imported} sales imported, ${result.rejected} rows rejected, ${result.superseded} earlier sales superseded, ` +
      `skipped ${s.title} title, ${s.blank} blank and ${s.total} totals rows; ${result.warnings} rows with warnings`,
  )
  reportRows(result.firstRejected, result.rejected, 'every rejected row is listed in the import report')
}

function reportMarket(result: MarketImportResult, storeName: string, fileName: string, json: boolean) {
  if (json) {
    console.log(JSON.stringify({ ok: true, ...result }))
    return
  }
  reportHead(result, storeName, fileName, `, ${result.measure}`)
  const s = result.skipped
  console.log(
    `  ${result.imported} rows imported (${result.figures} figures; months ${result.months.join(', ') || 'none'}), ${result.rejected} rows rejected, ` +
      `skipped ${s.title} title, ${s.blank} blank and ${s.total} totals rows`,
  )
  reportRows(result.firstRejected, result.rejected, 'every rejected row is listed in the import report')
}

function reportObservations(result: ObservationImportResult, storeName: string, fileName: string, json: boolean) {
  if (json) {
    console.log(JSON.stringify({ ok: true, ...result }))
    return
  }
  reportHead(result, storeName, fileName)
  const s = result.skipped
  console.log(`  ${result.imported} observations imported, ${result.failed} rows refused, skipped ${s.title} title, ${s.blank} blank and ${s.total} totals rows`)
  reportRows(result.firstFailed, result.failed, 'every refused row is listed on the import page and in its download')
}

try {
  process.exitCode = await main()
} catch (error) {
  const message =
    error instanceof ImportError || error instanceof JobError
      ? t(error.key, error.params)
      : error instanceof UsageError
        ? error.message
        : error instanceof Error
          ? error.message
          : String(error)
  if (process.argv.includes('--json')) console.log(JSON.stringify({ ok: false, error: message }))
  console.error(message)
  process.exitCode = 1
}
// the database is closed; nothing else should keep the process, but a scheduled job must not hang
process.exit(process.exitCode)
