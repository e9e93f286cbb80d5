import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import iconv from 'iconv-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { readTable } from './read-table'
import { PhoneHmac } from './sales-stage'
import { streamSalesTable, textRow } from './sales-stream'
import { streamTable, type StreamTableOptions } from './stream-table'

/**
 * The sales import's reader (the worker's 'text' packing: one text's code units and cell
 * offsets a batch) reads every file as streamTable does: the same head, the same rows with the same
 * cells, the same summary, the same error — on CSVs made of what exports hold (quotes, quoted
 * line breaks, doubled quotes, text after a closing quote, ="…" wrappers, padding, lone CRs,
 * blank and totals rows) in every encoding and across the reader's 256 KB pieces.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-sales-stream-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

const KNOWN = ['车架号', '开票日期', '成交价', '手机', '订单号']

let seed = 7
const rand = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return (seed >>> 8) % n
}
const PIECES = ['a', 'ab', '张三', '1', '2026-10-01', ' ', '  x ', '\u3000全角\u3000', '="0123"', '= "x"', '=""', '"q"', '"a""b"', '"multi\nline"', '"cr\rin"', '"x"y', '" sp "', '"sp" ', '合计', 'Total', 'sum', '', '', '', '\ufeffbom', 'x"y', '""', '"""', '-', '\t\t', '"a,b"', '𠮷', 'lone\udc00x']

/** everything a stream yields, rows one by one (batches end in different places) */
async function collect(file: string, text: boolean, options: Partial<StreamTableOptions> = {}) {
  const out: string[] = []
  const opts = { knownHeaders: KNOWN, ...options }
  try {
    if (text) {
      for await (const e of streamSalesTable(file, opts)) {
        if (e.type === 'text') {
          let k = 0
          for (let r = 0; r < e.batch.rowNumbers.length; r++) {
            out.push(JSON.stringify(textRow(e.batch, r, k)))
            k += e.batch.widths[r]!
          }
        } else if (e.type === 'rows') out.push(...e.rows.map((r) => JSON.stringify(r)))
        else out.push(JSON.stringify(e))
      }
    } else {
      for await (const e of streamTable(file, opts)) {
        if (e.type === 'rows') out.push(...e.rows.map((r) => JSON.stringify(r)))
        else out.push(JSON.stringify(e))
      }
    }
  } catch (error) {
    const e = error as { code?: string; message: string }
    out.push(`error ${e.code} ${e.message}`)
  }
  return out
}

async function expectSame(file: string, options: Partial<StreamTableOptions> = {}) {
  const a = await collect(file, false, options)
  const b = await collect(file, true, options)
  if (a.at(-1)?.startsWith('error') || b.at(-1)?.startsWith('error')) {
    // the same error, after the same rows as far as both read (their batches end elsewhere)
    expect(b.at(-1)).toBe(a.at(-1))
    const n = Math.min(a.length, b.length) - 1
    expect(b.slice(0, n)).toEqual(a.slice(0, n))
  } else {
    expect(b).toEqual(a)
  }
  return a
}

describe('streamSalesTable', () => {
  it('reads made-up exports exactly as streamTable does', async () => {
    for (let round = 0; round < 14; round++) {
      const sep = [',', ',', '\t', ';'][rand(4)]!
      const eols = [['\n'], ['\r\n'], ['\n', '\r\n'], ['\r'], ['\r\n', '\r']][rand(5)]!
      const lines: string[] = []
      if (rand(2)) lines.push('销售明细 标题')
      lines.push(KNOWN.join(sep))
      const rows = round % 3 === 0 ? 30 + rand(50) : 2000 + rand(4000)
      for (let i = 0; i < rows; i++) {
        const width = rand(3) ? 5 : 1 + rand(8)
        const cells = []
        for (let j = 0; j < width; j++) cells.push(rand(4) ? `${PIECES[rand(PIECES.length)]}${rand(3) ? `${i}${'x'.repeat(rand(60))}` : ''}` : PIECES[rand(PIECES.length)])
        lines.push(cells.join(sep))
      }
      let body = ''
      for (const l of lines) body += l + eols[rand(eols.length)]
      if (rand(2)) body = body.replace(/[\r\n]+$/, '')
      const bytes = [Buffer.from(body), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]), iconv.encode(body, 'gb18030'), Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(body, 'utf-16le')])][round % 4]!
      const file = path.join(dir, `made-${round}.csv`)
      fs.writeFileSync(file, bytes)
      await expectSame(file, { batchSize: 1 + rand(3000) })
    }
  }, 120_000)

  it('… and the fixtures, the header the user named, a preview, the row limit and a broken file', async () => {
    const fixtures = path.resolve('test/fixtures')
    for (const name of ['sales/dms-sales-bad-rows.csv', 'sales/dms-sales-gbk.csv', 'sales/dms-sales-utf16le.csv', 'sales/dms-sales-en-utf8-bom.csv', 'sales/dms-sales.xlsx', 'autohome-leads-gbk.csv', 'garbage.csv']) {
      await expectSame(path.join(fixtures, name))
    }
    await expectSame(path.join(fixtures, 'sales/dms-sales-gbk.csv'), { headerRowNumber: 2 })
    await expectSame(path.join(fixtures, 'sales/dms-sales-bad-rows.csv'), { previewRows: 3 })
    await expectSame(path.join(fixtures, 'sales/dms-sales-bad-rows.csv'), { maxRows: 4 })
    const unclosed = path.join(dir, 'unclosed.csv')
    fs.writeFileSync(unclosed, `${KNOWN.join(',')}\n${'a,b,c,d,e\n'.repeat(3000)}"never closed,x\n${'f,g\n'.repeat(10)}`)
    const read = await expectSame(unclosed)
    expect(read.at(-1)).toMatch(/^error malformed .*never closed/)
  })

  it('reads a GB18030 export as the whole-file reader does, wherever the reader cuts its pieces at line feeds', async () => {
    // the reader cuts each 256 KB piece after its last line feed: multi-byte characters, quoted
    // line breaks (LF, CRLF, a lone CR) and rows ending in CR alone fall at the cuts; the last
    // row has no line break after it
    const cells = ['朗逸 1.5L 舒适版', '"多行\n备注"', '"跨行\r\n说明, 含逗号"', '"单\r回车"', '𠮷野家', '"a""b"', '张伟', '']
    const eols = ['\n', '\r\n', '\r']
    let body = `${KNOWN.join(',')}\r\n`
    for (let i = 0; i < 12_000; i++) {
      body += [`LSV${i}`, cells[i % cells.length], `${'汉'.repeat(i % 37)}${i}`, cells[(i * 3 + 1) % cells.length], `SO${i}`].join(',')
      if (i < 11_999) body += eols[i % 7 === 0 ? 2 : i % 2]
    }
    const file = path.join(dir, 'cut-at-lines.csv')
    fs.writeFileSync(file, iconv.encode(body, 'gb18030'))
    expect(fs.statSync(file).size).toBeGreaterThan(3 * 256 * 1024)
    const whole = await readTable(fs.readFileSync(file), { isKnownHeader: (h) => KNOWN.includes(h) })
    const rows: unknown[] = []
    for await (const e of streamSalesTable(file, { knownHeaders: KNOWN })) {
      if (e.type === 'rows') rows.push(...e.rows)
      if (e.type !== 'text') continue
      let k = 0
      for (let r = 0; r < e.batch.rowNumbers.length; r++) {
        rows.push(textRow(e.batch, r, k))
        k += e.batch.widths[r]!
      }
    }
    expect(rows).toHaveLength(12_000)
    expect(rows).toEqual(whole.rows)
    expect(rows.at(-1)).toEqual({ rowNumber: 12_001, cells: ['LSV11999', null, `${'汉'.repeat(11)}11999`, '张伟', 'SO11999'] })
  }, 60_000)

  it('hashes the phone column in the reader’s thread as PhoneHmac does, once told the column', async () => {
    const key = Buffer.from('test-only-phone-hash-key-0123456789')
    const lines = ['订单号,手机,开票日期']
    for (let i = 0; i < 12_000; i++) lines.push(`SO${i},${i % 7 === 0 ? '138****1234' : i % 11 === 0 ? '+86 13812341234' : `1${3 + (i % 7)}${String(i * 7919).padStart(9, '0')}`},2026-10-01`)
    const file = path.join(dir, 'phones.csv')
    fs.writeFileSync(file, iconv.encode(lines.join('\r\n'), 'gb18030'))
    const hmac = new PhoneHmac(key)
    const stream = streamSalesTable(file, { knownHeaders: KNOWN, phoneHashKey: key, batchSize: 500 })
    let hashedRows = 0
    let plainRows = 0
    let hashing = false
    for await (const e of stream) {
      if (e.type === 'head') stream.hashPhones(1)
      if (e.type !== 'text') continue
      // once the worker has heard of the column, every later batch carries hashes
      if (hashing) expect(e.batch.hashed).toBeTruthy()
      if (e.batch.hashed) hashing = true
      let k = 0
      for (let r = 0; r < e.batch.rowNumbers.length; r++) {
        const phone = textRow(e.batch, r, k).cells[1] as string
        if (e.batch.hashed?.[r]) {
          hashedRows++
          const words = [...e.batch.hashes!.subarray(r * 8, r * 8 + 8)]
          expect(words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('')).toBe(hmac.hex(phone))
        } else {
          plainRows++
          // before the worker heard of the column, or not 11 digits
          if (e.batch.hashed) expect(phone).not.toMatch(/^\d{11}$/)
        }
        k += e.batch.widths[r]!
      }
    }
    // the first batches may leave before the worker hears of the column (how many depends on
    // the machine's load); after that every full number is hashed, as checked above
    expect(hashedRows).toBeGreaterThan(0)
    expect(plainRows).toBeGreaterThan(1000)
  })
})
