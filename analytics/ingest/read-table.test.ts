import fs from 'node:fs'
import path from 'node:path'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { excelSerialToWallClock, parseMoment, parseWallClock } from './dates'
import { readTable, TableReadError, type ReadTableOptions } from './read-table'

const fixture = (name: string) => fs.readFileSync(path.resolve('test/fixtures', name))
const KNOWN = new Set(['姓名', '客户姓名', '手机', '手机号', 'phone', 'name', 'time', '时间', '留资时间', 'mobile'])
const options: ReadTableOptions = { isKnownHeader: (h) => KNOWN.has(h.toLowerCase()) }
const read = (bytes: Uint8Array | string, more: Partial<ReadTableOptions> = {}) =>
  readTable(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes, { ...options, ...more })

async function refusal(promise: Promise<unknown>) {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(TableReadError)
    return error as TableReadError
  }
  throw new Error('expected the file to be refused')
}

describe('readTable: encodings', () => {
  it('reads a GBK export: title row, header, blank and totals rows skipped, file row numbers kept', async () => {
    const t = await read(fixture('autohome-leads-gbk.csv'))
    expect(t).toMatchObject({ format: 'csv', encoding: 'gb18030', delimiter: ',', headerRowNumber: 2, headerRecognised: true })
    expect(t.headers.slice(0, 6)).toEqual(['序号', '客户姓名', '手机号', '意向车型', '所在城市', '留资时间'])
    expect(t.rows.map((r) => r.rowNumber)).toEqual([3, 4, 5, 7, 8])
    expect(t.rows[0]!.cells.slice(1, 3)).toEqual(['张先生', '138****1234'])
    // a quoted cell with a comma, and one spanning two lines, stay one cell of one row
    expect(t.rows[1]!.cells[7]).toBe('想了解置换, 旧车是2015款')
    expect(t.rows[4]!.cells[7]).toBe('周末到店\r\n看车')
    expect(t.skipped).toEqual([
      { rowNumber: 1, why: 'title', text: '汽车之家 经销商线索明细（2026年10月）' },
      { rowNumber: 6, why: 'blank', text: '' },
      { rowNumber: 9, why: 'total', text: '合计 5条' },
    ])
  })

  it('reads UTF-8 with a BOM, UTF-16 LE with a BOM (tab-separated), UTF-16 BE and plain UTF-8', async () => {
    const bom = await read(fixture('bitauto-leads-utf8-bom.csv'))
    expect(bom).toMatchObject({ encoding: 'utf-8-bom', headerRowNumber: 1 })
    expect(bom.headers[0]).toBe('姓名')
    expect(bom.rows).toHaveLength(4)
    const utf16 = await read(fixture('dongchedi-leads-utf16le.csv'))
    expect(utf16).toMatchObject({ encoding: 'utf-16le', delimiter: '\t' })
    expect(utf16.rows.map((r) => r.cells[0])).toEqual(['Chen', 'Wu'])
    expect(utf16.skipped).toEqual([{ rowNumber: 4, why: 'total', text: 'Total 2' }])
    const text = '姓名,手机\r\n王五,13900001111\r\n'
    const be = await read(Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf-16be')]))
    expect(be).toMatchObject({ encoding: 'utf-16be', rows: [{ rowNumber: 2, cells: ['王五', '13900001111'] }] })
    const plain = await read(text)
    expect(plain).toMatchObject({ encoding: 'utf-8', rows: [{ rowNumber: 2, cells: ['王五', '13900001111'] }] })
  })

  it('decodes GB18030 beyond GBK (four-byte characters)', async () => {
    const t = await read(iconv.encode('姓名,手机\n𠮷野家,13900001111\n', 'gb18030'))
    expect(t.encoding).toBe('gb18030')
    expect(t.rows[0]!.cells[0]).toBe('𠮷野家')
  })
})

describe('readTable: CSV parsing', () => {
  it('handles quotes, escaped quotes, CR/LF/CRLF, stray quotes, semicolons, and Excel text tricks', async () => {
    const t = await read('name;phone;time\r\n"Li ""Lee"" Wei";\t13900001111;2026-10-01\n5" tall;="13900002222";2026-10-02\r"A;B";13900003333;2026-10-03')
    expect(t.delimiter).toBe(';')
    expect(t.rows.map((r) => r.cells)).toEqual([
      ['Li "Lee" Wei', '13900001111', '2026-10-01'],
      ['5" tall', '13900002222', '2026-10-02'],
      ['A;B', '13900003333', '2026-10-03'],
    ])
    expect(t.rows.map((r) => r.rowNumber)).toEqual([2, 3, 4])
  })

  it('takes the first row naming two known columns as the header, else the first filled row', async () => {
    const titled = await read('Report of October\n\nExported 2026-10-31,by admin\nname,phone,x\nA,13900001111,1\n')
    expect(titled).toMatchObject({ headerRowNumber: 4, headerRecognised: true })
    expect(titled.skipped.map((s) => s.why)).toEqual(['title', 'blank', 'title'])
    const unknown = await read('Report\nfoo,bar\n1,2\n')
    expect(unknown).toMatchObject({ headerRowNumber: 2, headerRecognised: false, headers: ['foo', 'bar'] })
  })

  it('refuses an unclosed quote as a damaged file', async () => {
    const error = await refusal(read('name,phone\n"A,13900001111\n'))
    expect(error.code).toBe('malformed')
  })
})

describe('readTable: .xlsx', () => {
  it('reads the first sheet: merged title row, numbers, dates, rich text, formulas, totals', async () => {
    const t = await read(fixture('dongchedi-leads.xlsx'), { isKnownHeader: (h) => ['客户姓名', '手机号码', '线索创建时间'].includes(h) })
    expect(t).toMatchObject({ format: 'xlsx', encoding: null, sheetName: '线索', headerRowNumber: 2 })
    expect(t.rows.map((r) => r.rowNumber)).toEqual([3, 4])
    const [first, second] = t.rows
    expect(first!.cells[1]).toBe(13600007777)
    expect(first!.cells[4]).toEqual(new Date(Date.UTC(2026, 9, 9, 10, 30)))
    expect(second!.cells[0]).toBe('孙女士')
    expect(second!.cells[3]).toBe('杭州')
    expect(second!.cells[4]).toBeCloseTo(46305.75, 6)
    // the merged title is one cell, not six copies of itself
    expect(t.skipped[0]).toEqual({ rowNumber: 1, why: 'title', text: '懂车帝 线索导出 2026年10月' })
    expect(t.skipped[1]).toMatchObject({ rowNumber: 5, why: 'total' })
  })

  it('refuses a zip that is not a workbook', async () => {
    const wb = new ExcelJS.Workbook()
    wb.addWorksheet('a').addRow(['name', 'phone'])
    const bytes = Buffer.from((await wb.xlsx.writeBuffer()) as ArrayBuffer)
    // rename xl/workbook.xml inside the zip (same length, so the directory stays valid)
    const renamed = Buffer.from(bytes.toString('latin1').replaceAll('xl/workbook.xml', 'xl/notebook.xml'), 'latin1')
    expect((await refusal(read(renamed))).code).toBe('unsupportedType')
  })
})

describe('readTable: refusals', () => {
  it('refuses empty, oversized, binary, old .xls and other file types with a clear message', async () => {
    expect((await refusal(read(Buffer.alloc(0)))).code).toBe('empty')
    expect((await refusal(read('\r\n,,\r\n'))).code).toBe('empty')
    const big = await refusal(read(Buffer.alloc(2048, 0x41), { maxBytes: 1024 }))
    expect(big).toMatchObject({ code: 'tooLarge', params: { size: '2 KB', limit: '1 KB' } })
    expect(big.message).toBe('The file is 2 KB; the limit is 1 KB.')
    expect((await refusal(read(fixture('garbage.csv')))).code).toBe('binary')
    expect((await refusal(read(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])))).code).toBe('oldExcel')
    const pdf = await refusal(read(Buffer.from('%PDF-1.7\n...')))
    expect(pdf).toMatchObject({ code: 'unsupportedType', params: { kind: 'a PDF document' } })
    expect((await refusal(read('name,phone\n' + 'x\u0001\u0002\u0003,1\n'.repeat(20)))).code).toBe('binary')
  })

  it('refuses more rows than allowed', async () => {
    const rows = Array.from({ length: 11 }, (_, i) => `n${i},1390000${String(i).padStart(4, '0')}`)
    expect((await refusal(read(['name,phone', ...rows].join('\n'), { maxRows: 10 }))).code).toBe('tooManyRows')
  })
})

describe('dates', () => {
  const shanghai = (value: Parameters<typeof parseMoment>[0]) => parseMoment(value, 'Asia/Shanghai')?.toISOString() ?? null

  it('reads the usual formats as the store’s wall clock', () => {
    expect(shanghai('2026-10-01 12:30')).toBe('2026-10-01T04:30:00.000Z')
    expect(shanghai('2026-10-01 12:30:15')).toBe('2026-10-01T04:30:15.000Z')
    expect(shanghai('2026/10/1 9:05')).toBe('2026-10-01T01:05:00.000Z')
    expect(shanghai('2026/10/1')).toBe('2026-09-30T16:00:00.000Z')
    expect(shanghai('2026.10.01')).toBe('2026-09-30T16:00:00.000Z')
    expect(shanghai('2026年10月1日')).toBe('2026-09-30T16:00:00.000Z')
    expect(shanghai('2026年10月1日 14时20分')).toBe('2026-10-01T06:20:00.000Z')
    expect(shanghai('2026年10月1日 14时')).toBe('2026-10-01T06:00:00.000Z')
    expect(shanghai('2026/10/1 下午 3:20')).toBe('2026-10-01T07:20:00.000Z')
    expect(shanghai('20261001')).toBe('2026-09-30T16:00:00.000Z')
    expect(shanghai('２０２６－１０－０１　１２：３０')).toBe('2026-10-01T04:30:00.000Z')
    // an offset written in the text wins over the store's zone
    expect(shanghai('2026-10-01T12:30:00Z')).toBe('2026-10-01T12:30:00.000Z')
    expect(shanghai('2026-10-01 12:30:00+09:00')).toBe('2026-10-01T03:30:00.000Z')
  })

  it('reads Excel serial numbers and .xlsx date cells', () => {
    expect(excelSerialToWallClock(46296)).toEqual({ year: 2026, month: 10, day: 1, hour: 0, minute: 0, second: 0 })
    expect(shanghai(46296.5)).toBe('2026-10-01T04:00:00.000Z')
    expect(shanghai('46296.5')).toBe('2026-10-01T04:00:00.000Z')
    expect(shanghai(new Date(Date.UTC(2026, 9, 1, 12, 30)))).toBe('2026-10-01T04:30:00.000Z')
  })

  it('uses the store’s time zone, daylight saving included', () => {
    expect(parseMoment('2026-07-01 12:00', 'America/New_York')?.toISOString()).toBe('2026-07-01T16:00:00.000Z')
    expect(parseMoment('2026-12-01 12:00', 'America/New_York')?.toISOString()).toBe('2026-12-01T17:00:00.000Z')
  })

  it('refuses what is not a date', () => {
    for (const bad of ['', 'tomorrow', '2026-02-30', '2026-13-01', '2026-10-01 25:00', '10/01/2026', '13900001111', 13900001111, true, null]) {
      expect(parseWallClock(bad as never), String(bad)).toBeNull()
    }
  })
})
