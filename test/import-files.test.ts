import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { imports, importUploads, leads } from '../db/schema'
import { action as leadImportAction } from '../app/routes/imports.new'
import { action as salesImportAction } from '../app/routes/sales.import'
import { translator } from '../app/i18n'
import { keepImportFile, pruneUnconfirmedUploads } from '../app/services/import-files.server'
import { PREVIEW_CELL_CHARS } from '../app/services/import-form.server'
import { BASE, createGroup, createStore, createUser, signIn, type Browser } from './factories'
import { settle } from './http'

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

// ---------------------------------------------------------------- hostile files at the upload

/** A multipart upload as the browser posts it: the token and the store before the file. */
function upload(page: string, fields: Record<string, string>, file: { name: string; bytes: Buffer }, browser: Browser) {
  const form = new FormData()
  form.append('csrf', browser.csrf)
  for (const [k, v] of Object.entries(fields)) form.append(k, v)
  form.append('file', new File([new Uint8Array(file.bytes)], file.name, { type: 'application/octet-stream' }))
  return new Request(`${BASE}${page}`, { method: 'POST', body: form, headers: { cookie: browser.cookie } })
}

/**
 * An .xlsx whose one shared string is `length` characters, as the security test's (/tmp/h3:
 * 150 MB in a 159 KB file) but written by exceljs, which does not hold to Excel's limit: the
 * string deflates to next to nothing.
 */
async function hugeStringWorkbook(length: number) {
  const book = new ExcelJS.Workbook()
  book.addWorksheet('Sheet1').addRows([['客户姓名', '手机号', '意向车型'], ['张伟', '13812341234', 'x'.repeat(length)]])
  return Buffer.from(await book.xlsx.writeBuffer())
}

/** A CSV of `columns` columns and 50 rows, as the security test's cols20000.csv. */
function wideCsv(columns: number) {
  const head = ['客户姓名', '手机号', ...Array.from({ length: columns - 2 }, (_, i) => `c${i}`)]
  const rows = Array.from({ length: 50 }, (_, r) => [`张${r}`, `139${String(r).padStart(8, '0')}`, ...Array.from({ length: columns - 2 }, () => 'x')])
  return Buffer.from([head, ...rows].map((r) => r.join(',')).join('\r\n'))
}

describe('a huge cell or thousands of columns in an upload', () => {
  let store: string
  let specialist: Browser
  const zh = translator('zh-CN')
  const en = translator('en')

  beforeAll(async () => {
    const group = await createGroup()
    store = (await createStore(group.id)).id
    specialist = await signIn((await createUser(group.id, 'specialist', [store])).id)
  })

  async function storedOfStore() {
    const db = await getDb()
    return {
      imports: (await db.select().from(imports).where(eq(imports.storeId, store))).length,
      leads: (await db.select().from(leads).where(eq(leads.storeId, store))).length,
    }
  }

  it('is refused at the preview with what and where, in both languages — a 400, not a 500 or a crashed server — and nothing is stored', async () => {
    const before = await storedOfStore()
    const huge = await hugeStringWorkbook(2_000_000)
    expect(huge.length).toBeLessThan(100_000)
    for (const page of ['/imports/new', '/sales/import']) {
      const action = page === '/imports/new' ? leadImportAction : salesImportAction
      const fields: Record<string, string> = page === '/imports/new' ? { storeId: store, platform: 'auto' } : { storeId: store }
      const cell = await settle(() => action({ request: upload(page, fields, { name: 'leads.xlsx', bytes: huge }, specialist), params: {}, context: {} }))
      expect(cell.status, page).toBe(400)
      expect(cell.data.step).toBe('upload')
      expect(cell.data.error).toEqual({ key: 'imports.error.cellTooLong', params: { row: 2, column: 'C', length: 2_000_000, max: 32_767 } })
      expect(JSON.stringify(cell.data).length).toBeLessThan(2000)
      const wide = await settle(() => action({ request: upload(page, fields, { name: 'cols20000.csv', bytes: wideCsv(20_000) }, specialist), params: {}, context: {} }))
      expect(wide.status, page).toBe(400)
      expect(wide.data.error).toEqual({ key: 'imports.error.tooManyColumns', params: { row: 1, count: 20_000, max: 1000 } })
      expect(JSON.stringify(wide.data).length).toBeLessThan(2000)
    }
    const params = { row: 2, column: 'C', length: 2_000_000, max: 32_767 }
    expect(zh('imports.error.cellTooLong', params)).toContain('第 2 行 C 列')
    expect(en('imports.error.cellTooLong', params)).toContain('row 2, column C holds 2000000 characters; a cell may hold at most 32767')
    expect(zh('imports.error.tooManyColumns', { row: 1, count: 20_000, max: 1000 })).toContain('最多可读取 1000 列')
    expect(en('imports.error.tooManyColumns', { row: 1, count: 20_000, max: 1000 })).toContain('Row 1 has 20000 columns; at most 1000 can be read')
    expect(await storedOfStore()).toEqual(before)
  })

  it('a long cell within the limit: the preview shows its first characters with an ellipsis, never the whole of it', async () => {
    const long = '备'.repeat(30_000)
    const csv = Buffer.from(`车架号,开票日期,成交价,客户姓名,手机,备注\nLSVAA4182E2000001,2026-10-03,118800,张伟,13812341234,${long}\n`)
    const answer = await settle(() => salesImportAction({ request: upload('/sales/import', { storeId: store }, { name: 'dms.csv', bytes: csv }, specialist), params: {}, context: {} }))
    expect(answer.status).toBe(200)
    const preview = answer.data.preview
    const note = preview.columns.find((c: { header: string }) => c.header === '备注')
    expect(note.samples).toEqual([`${'备'.repeat(PREVIEW_CELL_CHARS)}…`])
    expect(preview.sample[0].cells.at(-1)).toBe(`${'备'.repeat(PREVIEW_CELL_CHARS)}…`)
    expect(JSON.stringify(preview).length).toBeLessThan(5000)
  })
})
