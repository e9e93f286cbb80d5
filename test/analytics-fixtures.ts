import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, expect, vi } from 'vitest'
import { getDb, getDbHandle } from '../db/client'
import { leads } from '../db/schema'
import type { Channel, TouchpointKind } from '../db/schema/enums'
import { readAnalyticsConfig } from '../analytics/config'
import { closeAnalyticsDb, getAnalyticsDb, openLive, setAnalyticsDbOpener } from '../analytics/duckdb'
import { pgSource } from '../analytics/sync/source'
import { syncAnalytics } from '../analytics/sync/sync'
import { keepImportFile } from '../app/services/import-files.server'
import { recordArrival } from '../app/services/lead-intake.server'
import { moveStatus } from '../app/services/leads.server'
import { runSalesImport } from '../app/services/sales-import.server'

/**
 * What the tests of the analytical store share: a temporary DATA_DIR with a real DuckDB file,
 * leads arriving through the app's intake, sales through the sales import, and the sync.
 */

/** Points the process at a new DATA_DIR and a DuckDB file in it for the file's tests; returns the directory. */
export function useAnalyticsDataDir(prefix: string): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `roadshow-${prefix}-`))
  beforeAll(() => {
    vi.stubEnv('DATA_DIR', dataDir)
    const live = readAnalyticsConfig().file
    setAnalyticsDbOpener(() => openLive(live, { memoryLimit: '256MB', threads: 2 }))
  })
  afterAll(async () => {
    await closeAnalyticsDb()
    vi.unstubAllEnvs()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })
  return dataDir
}

/** Syncs the process's analytical store from the app's database. */
export async function syncNow(dataDir: string) {
  return syncAnalytics(await getAnalyticsDb(), pgSource(await getDbHandle()), { chunkRows: 1000, tmpDir: path.join(dataDir, 'analytics', 'tmp') })
}

export type Touch = { kind?: TouchpointKind; channel?: Channel; campaignId?: string | null }

/** A person arriving through the app's intake (a new lead, or a touch of the lead with that phone). */
export async function arrive(storeId: string, person: { name?: string; phone?: string | null }, at: Date, touch: Touch = {}) {
  const db = await getDb()
  return db.transaction((tx) =>
    recordArrival(tx, { storeId, person, touch: { kind: touch.kind ?? 'manual', channel: touch.channel ?? 'direct', at, campaignId: touch.campaignId ?? null } }),
  )
}

/** Moves a lead to delivered or lost, as a consultant does. */
export async function setLeadStatus(leadId: string, to: 'delivered' | 'lost', at: Date) {
  const db = await getDb()
  await db.transaction(async (tx) => {
    const [lead] = await tx.select().from(leads).where(eq(leads.id, leadId))
    await moveStatus(tx, lead!, to, { userId: null, at, lost: to === 'lost' ? { reason: 'price', brand: '', model: '' } : undefined })
  })
}

export const SALES_HEADER = '车架号,订单号,开票日期,车型,成交价,毛利,客户姓名,手机'
export type SaleLine = {
  vin?: string
  order: string
  date: string
  model?: string
  price?: number
  profit?: number
  name?: string
  phone?: string
  /** 置换品牌 / 置换车型: the car the buyer traded in */
  tradeIn?: { brand?: string; model?: string }
}
const TRADE_IN_HEADER = ',置换品牌,置换车型'
const csvLine = (s: SaleLine, tradeIns: boolean) =>
  [
    s.vin ?? '', s.order, s.date, s.model ?? '朗逸', s.price ?? 150000, s.profit ?? 3000, s.name ?? '', s.phone ?? '',
    ...(tradeIns ? [s.tradeIn?.brand ?? '', s.tradeIn?.model ?? ''] : []),
  ]
    .map((v) => (String(v).includes(',') ? `"${v}"` : v))
    .join(',')

/** Imports a DMS export of these sales (UTF-8 CSV, Chinese headers) into the store; every row must be accepted. */
export async function importSaleLines(storeId: string, lines: SaleLine[], name = 'sales.csv') {
  // the trade-in columns only when a line has one: the other tests' files stay as they were
  const tradeIns = lines.some((l) => l.tradeIn)
  const header = tradeIns ? SALES_HEADER + TRADE_IN_HEADER : SALES_HEADER
  const bytes = Buffer.from([header, ...lines.map((l) => csvLine(l, tradeIns))].join('\r\n') + '\r\n', 'utf8')
  const kept = await keepImportFile(bytes, 'csv')
  const result = await runSalesImport({ storeId, fileHash: kept.hash, ext: 'csv', fileName: name, mapping: null, createdById: null })
  expect(result.rejected, 'every sale row is accepted').toBe(0)
  return result
}
