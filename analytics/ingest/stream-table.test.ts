import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readTable } from './read-table'
import { previewTableFile, streamTable, TableStreamError, type StreamTableOptions, type TableHead, type TableRow, type TableSummary } from './stream-table'
import { streamSalesTable } from './sales-stream'

const KNOWN = ['车架号', 'VIN', '开票日期', '车型', '成交价', '客户姓名', '手机', '销售顾问', 'name', 'phone']

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stream-table-'))
})
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

function file(name: string, bytes: Buffer | string) {
  const p = path.join(dir, name)
  fs.writeFileSync(p, bytes)
  return p
}

async function readAll(p: string, options: Partial<StreamTableOptions> = {}) {
  let head: TableHead | undefined
  const rows: TableRow[] = []
  const batches: Array<{ size: number; bytesRead: number; totalBytes: number }> = []
  let summary: TableSummary | undefined
  for await (const event of streamTable(p, { knownHeaders: KNOWN, ...options })) {
    if (event.type === 'head') head = event.head
    else if (event.type === 'rows') {
      rows.push(...event.rows)
      batches.push({ size: event.rows.length, bytesRead: event.bytesRead, totalBytes: event.totalBytes })
    } else summary = event.summary
  }
  return { head: head!, rows, batches, summary: summary! }
}

async function readError(p: string, options: Partial<StreamTableOptions> = {}) {
  try {
    await readAll(p, options)
  } catch (error) {
    return error as TableStreamError
  }
  throw new Error('expected the read to fail')
}

const SALES_CSV = [
  '杭州西湖大众4S店 2026年10月销售明细',
  '',
  '车架号,开票日期,车型,成交价,客户姓名,手机,销售顾问',
  'LSVAA4182E2000001,2026-10-03,朗逸 1.5L 舒适版,"118,800",张伟,138****1234,王芳',
  'LSVAA4182E2000002,2026/10/05,帕萨特 330TSI,209800,李娜,13912345678,王芳',
  '',
  'LSVAA4182E2000003,2026年10月8日,途观L,235000,"赵, 强",13700001111,刘洋',
  '合计,,,563600,,,',
  '',
].join('\r\n')

describe('streamTable: CSV', () => {
  it('reads GBK (GB18030) with Chinese headers below a title row, skipping blank and totals rows with their row numbers', async () => {
    const p = file('sales-gbk.csv', iconv.encode(SALES_CSV, 'gb18030'))
    const { head, rows, summary } = await readAll(p)
    expect(head).toMatchObject({ format: 'csv', encoding: 'gb18030', delimiter: ',', headerRowNumber: 3, headerRecognised: true })
    expect(head.headers).toEqual(['车架号', '开票日期', '车型', '成交价', '客户姓名', '手机', '销售顾问'])
    expect(rows.map((r) => r.rowNumber)).toEqual([4, 5, 7])
    expect(rows[0]!.cells).toEqual(['LSVAA4182E2000001', '2026-10-03', '朗逸 1.5L 舒适版', '118,800', '张伟', '138****1234', '王芳'])
    expect(rows[2]!.cells[4]).toBe('赵, 强')
    expect(summary.skipped).toEqual([
      { rowNumber: 1, why: 'title', text: '杭州西湖大众4S店 2026年10月销售明细' },
      { rowNumber: 2, why: 'blank', text: '' },
      { rowNumber: 6, why: 'blank', text: '' },
      { rowNumber: 8, why: 'total', text: '合计 563600' },
    ])
    expect(summary).toMatchObject({ dataRows: 3, complete: true, encoding: 'gb18030', skippedCounts: { title: 1, blank: 2, total: 1 } })
  })

  it('reads UTF-8 with a BOM and semicolons, UTF-16 LE with a BOM and tabs (Excel "Unicode text"), UTF-16 BE without one', async () => {
    const semicolons = SALES_CSV.replace(/,/g, ';').replace('"118;800"', '118800').replace('"赵; 强"', '赵强')
    const bom = await readAll(file('bom.csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(semicolons)])))
    expect(bom.head).toMatchObject({ encoding: 'utf-8-bom', delimiter: ';', headerRowNumber: 3 })
    expect(bom.rows[1]!.cells[2]).toBe('帕萨特 330TSI')

    const tabs = SALES_CSV.replace(/,/g, '\t').replace('"118\t800"', '118800').replace('"赵\t 强"', '赵强')
    const le = await readAll(file('utf16le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(tabs, 'utf-16le')])))
    expect(le.head).toMatchObject({ encoding: 'utf-16le', delimiter: '\t', headerRowNumber: 3 })
    expect(le.head.headers[0]).toBe('车架号')
    expect(le.rows.map((r) => r.cells[4])).toEqual(['张伟', '李娜', '赵强'])

    const be = await readAll(file('utf16be.csv', iconv.encode(SALES_CSV, 'utf-16be')))
    expect(be.head.encoding).toBe('utf-16be')
    expect(be.rows).toHaveLength(3)
  })

  it('tells GBK from UTF-8 by the first non-ASCII bytes, even far into the file', async () => {
    const ascii = ['VIN,phone,name', ...Array.from({ length: 2000 }, (_, i) => `LSV${String(i).padStart(14, '0')},13800000000,x${i}`)]
    const lines = [...ascii, 'LSV99999999999999,13900000000,王小明']
    const gbk = await readAll(file('late-gbk.csv', iconv.encode(lines.join('\n'), 'gbk')))
    // the header row was plain ASCII: which encoding it is shows once the first Chinese text is read
    expect(gbk.summary.encoding).toBe('gb18030')
    expect(gbk.rows.at(-1)!.cells[2]).toBe('王小明')
    const utf8 = await readAll(file('late-utf8.csv', lines.join('\n')))
    expect(utf8.summary.encoding).toBe('utf-8')
    expect(utf8.rows.at(-1)!.cells[2]).toBe('王小明')
    expect(utf8.rows).toHaveLength(2001)
  })

  it('hands rows over in batches with the bytes read, and stops early for a preview', async () => {
    const lines = ['车架号,手机,客户姓名', ...Array.from({ length: 12_000 }, (_, i) => `LSV${i},138${String(i).padStart(8, '0')},客户${i}`)]
    const p = file('batches.csv', lines.join('\n'))
    const { batches, summary } = await readAll(p, { batchSize: 5000 })
    expect(batches.map((b) => b.size)).toEqual([5000, 5000, 2000])
    expect(batches[0]!.bytesRead).toBeLessThanOrEqual(batches[2]!.bytesRead)
    expect(batches[2]!.totalBytes).toBe(fs.statSync(p).size)
    expect(summary).toMatchObject({ dataRows: 12_000, complete: true, bytesRead: fs.statSync(p).size })

    const preview = await previewTableFile(p, { knownHeaders: KNOWN, previewRows: 10 })
    expect(preview.rows.map((r) => r.rowNumber)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
    expect(preview.summary).toMatchObject({ dataRows: 10, complete: false })
    expect(preview.head.headers).toEqual(['车架号', '手机', '客户姓名'])
  })

  it('takes the header row the user confirmed, and the first filled row when no header is known', async () => {
    const p = file('unknown.csv', 'report\nfoo,bar,baz\n1,2,3\n')
    const guessed = await readAll(p)
    expect(guessed.head).toMatchObject({ headerRowNumber: 2, headerRecognised: false, headers: ['foo', 'bar', 'baz'] })
    const named = await readAll(p, { headerRowNumber: 3 })
    expect(named.head).toMatchObject({ headerRowNumber: 3, headers: ['1', '2', '3'] })
    expect(named.rows).toHaveLength(0)
  })

  it('reads quotes, stray quotes and mixed line endings as the whole-file reader does, across chunk boundaries', async () => {
    const cells = ['"多行\r\n备注"', '"a,b"', '5" tall', '"He said ""hi"""', '"abc"def', '"x" ', '="13800000000"', ' 留白 ', '', '"q\ry"', '朗逸', '"line\nbreak"']
    const endings = ['\r\n', '\n', '\r', '\r\n', '\r\n']
    let text = '车架号,手机,客户姓名,备注\r\n'
    for (let i = 0; i < 20_000; i++) {
      const row = [`LSV${i}`, cells[i % cells.length], cells[(i * 7 + 3) % cells.length], cells[(i * 5 + 1) % cells.length]]
      text += row.join(',') + endings[i % endings.length]
    }
    // larger than the reader's chunks, so records straddle chunk boundaries
    const p = file('mixed.csv', text)
    expect(fs.statSync(p).size).toBeGreaterThan(512 * 1024)
    const streamed = await readAll(p)
    const whole = await readTable(fs.readFileSync(p), { isKnownHeader: (h) => KNOWN.includes(h) })
    expect(streamed.rows).toHaveLength(20_000)
    expect(streamed.rows).toEqual(whole.rows)
    const row = (i: number) => streamed.rows[i]!.cells
    // line breaks inside quotes stay in the cell; CRLF, LF and CR outside end the row
    expect(row(0)).toEqual(['LSV0', '多行\r\n备注', 'He said "hi"', 'a,b'])
    expect(row(8)).toEqual(['LSV8', null, 'line\nbreak', '"x"'])
    expect(streamed.rows.at(-1)!.rowNumber).toBe(20_001)
    // a stray quote in an unquoted cell, and a closing quote followed by text or spaces, are read as written
    expect(row(2)).toEqual(['LSV2', '5" tall', '"x"', 'line\nbreak'])
    expect(row(4)).toEqual(['LSV4', '"abc"def', '留白', 'q\ry'])
    expect(row(6)).toEqual(['LSV6', '13800000000', 'q\ry', '留白'])
  })

  it('refuses a quote that is never closed as a damaged file, naming the row, without holding the rest of the file', async () => {
    const short = await readError(file('unclosed.csv', '车架号,手机\nLSV1,13800000000\n"LSV2,13900000000\n'))
    expect(short).toMatchObject({ code: 'malformed' })
    expect(short.params.detail).toContain('row 3')
    // 3 MB after the stray quote: one "record" far beyond the 1 MiB a row may take
    const rows = Array.from({ length: 150_000 }, (_, i) => `LSV${i},138${String(i).padStart(8, '0')}`).join('\n')
    const long = await readError(file('unclosed-long.csv', `车架号,手机\nLSV0,13800000000\n"${rows}\n`))
    expect(long).toMatchObject({ code: 'malformed' })
    expect(long.params.detail).toContain('row 3')
  })

  it('refuses what is not a readable table with a clear error', async () => {
    expect((await readError(file('empty.csv', ''))).code).toBe('empty')
    expect((await readError(file('blank.csv', '\n\n,,\n'))).code).toBe('empty')
    expect((await readError(file('image.csv', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0])))).code).toBe('unsupportedType')
    expect((await readError(file('old.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0])))).code).toBe('oldExcel')
    expect((await readError(file('binary.csv', Buffer.from('a,b\n\u0001\u0002\u0003\u0004\u0005,x\n'.repeat(50))))).code).toBe('binary')
    const big = await readError(file('big.csv', 'a,b\n'.repeat(1000)), { maxBytes: 1000 })
    expect(big).toBeInstanceOf(TableStreamError)
    expect(big).toMatchObject({ code: 'tooLarge', params: { limit: '1 KB' } })
    expect((await readError(file('rows.csv', 'phone,name\n' + '1,a\n'.repeat(50)), { maxRows: 10 })).code).toBe('tooManyRows')
    // a "line" of several MB: a broken export, refused rather than held in memory
    expect((await readError(file('long.csv', 'phone,name\n"' + 'x'.repeat(2 * 1024 * 1024)))).code).toBe('malformed')
    // a UTF-8 BOM in front of bytes that are not UTF-8
    const wrong = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode('手机,姓名\n13800000000,王五\n', 'gbk')])
    expect((await readError(file('wrong-bom.csv', wrong))).code).toBe('undecodable')
  })
})

describe('streamTable: xlsx', () => {
  async function salesWorkbook() {
    const workbook = new ExcelJS.Workbook()
    workbook.addWorksheet('说明', { state: 'hidden' }).addRows([['项目', '说明'], ['a', 'b']])
    const sheet = workbook.addWorksheet('销售明细')
    sheet.addRow(['2026年10月销售明细（杭州西湖大众）'])
    sheet.mergeCells('A1:F1')
    sheet.addRow(['车架号', '开票日期', '车型', '成交价', '客户姓名', '手机'])
    sheet.addRow(['LSVAA4182E2000001', new Date(Date.UTC(2026, 9, 3)), { richText: [{ text: '朗逸 ' }, { font: { bold: true }, text: '1.5L' }] }, 118800, '张伟', '138****1234'])
    sheet.addRow(['LSVAA4182E2000002', 46300, '帕萨特', { formula: 'D3+91000', result: 209800 }, '李娜', '13912345678'])
    sheet.getCell('B4').numFmt = 'yyyy-mm-dd'
    sheet.addRow([])
    sheet.addRow(['LSVAA4182E2000003', 46303, '途观L', 235000, '赵强', { text: '13700001111', hyperlink: 'tel:13700001111' }])
    sheet.addRow(['合计', null, null, { formula: 'SUM(D3:D6)', result: 563600 }, null, null])
    sheet.addRow([])
    const p = path.join(dir, 'sales.xlsx')
    await workbook.xlsx.writeFile(p)
    return p
  }

  it('reads the first visible sheet: merged title row, rich text, formulas’ cached results, dates and serial numbers, totals row', async () => {
    const { head, rows, summary } = await readAll(await salesWorkbook())
    expect(head).toMatchObject({ format: 'xlsx', encoding: null, sheetName: '销售明细', headerRowNumber: 2, headerRecognised: true })
    expect(head.headers).toEqual(['车架号', '开票日期', '车型', '成交价', '客户姓名', '手机'])
    expect(rows.map((r) => r.rowNumber)).toEqual([3, 4, 6])
    expect(rows[0]!.cells).toEqual(['LSVAA4182E2000001', new Date(Date.UTC(2026, 9, 3)), '朗逸 1.5L', 118800, '张伟', '138****1234'])
    // a serial number in a date-formatted cell is a date; in a plain cell it stays a number (the date parser reads serials)
    expect(rows[1]!.cells[1]).toEqual(new Date(Date.UTC(2026, 9, 5)))
    expect(rows[1]!.cells[3]).toBe(209800)
    expect(rows[2]!.cells[1]).toBe(46303)
    expect(rows[2]!.cells[5]).toBe('13700001111')
    expect(summary.skipped).toEqual([
      { rowNumber: 1, why: 'title', text: '2026年10月销售明细（杭州西湖大众）' },
      { rowNumber: 5, why: 'blank', text: '' },
      { rowNumber: 7, why: 'total', text: '合计 563600' },
    ])
  })

  it('reads a named sheet, and says so when there is none of that name', async () => {
    const p = await salesWorkbook()
    const hidden = await readAll(p, { sheetName: '说明' })
    expect(hidden.head).toMatchObject({ sheetName: '说明', headerRecognised: false })
    const missing = await readError(p, { sheetName: '不存在' })
    expect(missing).toMatchObject({ code: 'noSheet', params: { sheet: '不存在' } })
  })

  it('refuses a zip that is not a workbook, and a damaged one', async () => {
    const p = await salesWorkbook()
    const bytes = fs.readFileSync(p)
    expect((await readError(file('cut.xlsx', bytes.subarray(0, bytes.length - 200)))).code).toBe('malformed')
    // the same zip with its workbook part renamed: a zip, not a workbook
    const renamed = Buffer.from(bytes.toString('latin1').replaceAll('xl/workbook.xml', 'xl/workbook.xmx'), 'latin1')
    expect((await readError(file('not-a-workbook.zip', renamed))).code).toBe('unsupportedType')
  })

  it('refuses as damaged a workbook that leaves the reader waiting for bytes that never come', async () => {
    // a sales export with bytes changed inside a compressed part (found by test/fuzz.test.ts):
    // exceljs waits for the rest of that part forever; the reader stops when nothing moves
    const started = performance.now()
    const error = await readError(path.resolve('test/fixtures/sales/dms-sales-damaged.xlsx'), { stallMs: 1_000 })
    expect(error).toMatchObject({ code: 'malformed' })
    expect(error.message).toContain('damaged')
    expect(performance.now() - started).toBeLessThan(20_000)
  })
})

describe('streamTable: old Excel (.xls) and web-page tables under an .xls name', () => {
  const SALES_FIXTURES = path.resolve('test/fixtures/sales')
  const HEADERS = ['序号', '车架号', '订单号', '开票日期', '车系', '车型', '颜色', '指导价(万元)', '成交价（元）', '单车毛利', '客户姓名', '手机', '销售顾问', '付款方式', '置换', '客户来源']

  it('reads a BIFF8 workbook written by another program: the first visible sheet, merged title, typed cells, date formats, totals row', async () => {
    const { head, rows, summary } = await readAll(path.join(SALES_FIXTURES, 'dms-sales.xls'))
    // the hidden helper sheet before it is passed over
    expect(head).toMatchObject({ format: 'xls', encoding: null, sheetName: '销售明细', headerRowNumber: 2, headerRecognised: true, headers: HEADERS })
    expect(rows.map((r) => r.rowNumber)).toEqual([3, 4, 5, 6, 7])
    const [first, second, third, , fifth] = rows
    expect(first!.cells).toEqual([1, 'LFV2A21K0G3012345', 'SO2026100001', new Date('2026-10-03T00:00:00Z'), '朗逸', '2026款 1.5L 自动舒适版', '白色', 12.09, 106800, 3500, '张伟', 13812341234, '李娜', '全款', '否', '汽车之家'])
    // text cells stay text for the importers' own parsing; a date and time keeps its wall clock
    expect(second!.cells.slice(3, 4).concat(second!.cells.slice(8, 10))).toEqual(['2026/10/5', '¥148,800.00', '(1,200.00)'])
    expect(third!.cells[3]).toEqual(new Date('2026-10-08T14:30:00Z'))
    expect(fifth!.cells[1]).toBeNull()
    expect(summary.skipped.map((s) => [s.rowNumber, s.why])).toEqual([
      [1, 'title'],
      [8, 'total'],
    ])
  })

  it('reads an HTML table in GB2312 (as web-based DMS export "Excel"), every cell as text', async () => {
    const { head, rows, summary } = await readAll(path.join(SALES_FIXTURES, 'dms-sales-web.xls'))
    expect(head).toMatchObject({ format: 'html', encoding: 'gb18030', headerRowNumber: 2, headers: HEADERS })
    expect(rows).toHaveLength(5)
    expect(rows[0]!.cells).toEqual(['1', 'LFV2A21K0G3012345', 'SO2026100001', '2026-10-03', '朗逸', '2026款 1.5L 自动舒适版', '白色', '12.09', '106800', '3500', '张伟', '13812341234', '李娜', '全款', '否', '汽车之家'])
    expect(summary).toMatchObject({ encoding: 'gb18030', skippedCounts: { title: 1, total: 1 } })
  })

  it('reads a UTF-8 page with <th> headers and escaped text, and Excel 2003 XML', async () => {
    const page = await readAll(path.resolve('test/fixtures/autohome-leads-web.xls'), { knownHeaders: ['客户姓名', '手机号', '意向车型', '留资时间'] })
    expect(page.head).toMatchObject({ format: 'html', encoding: 'utf-8', headerRowNumber: 1 })
    expect(page.rows.map((r) => [r.cells[1], r.cells[2], r.cells[7] ?? null])).toEqual([
      ['张先生', '138****1234', null],
      ['李女士', '13400005678', '想了解置换 & 旧车估价'],
      ['王先生', '13900001111', '<b>加急</b>'],
    ])
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<?mso-application progid="Excel.Sheet"?>',
      '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">',
      '<Worksheet ss:Name="线索"><Table>',
      '<Row><Cell><Data ss:Type="String">姓名</Data></Cell><Cell><Data ss:Type="String">手机</Data></Cell></Row>',
      '<Row><Cell><Data ss:Type="String">王五</Data></Cell><Cell><Data ss:Type="String">13800000000</Data></Cell></Row>',
      '</Table></Worksheet></Workbook>',
    ].join('\n')
    const book = await readAll(file('leads-2003.xls', xml), { knownHeaders: ['姓名', '手机'] })
    expect(book.head).toMatchObject({ format: 'html', headers: ['姓名', '手机'] })
    expect(book.rows.map((r) => r.cells)).toEqual([['王五', '13800000000']])
  })

  it('stops a reader that hands over nothing for too long while its consumer waits, as a damaged file', async () => {
    const error = await readError(path.join(SALES_FIXTURES, 'dms-sales-web.xls'), { silenceMs: 1 })
    expect(error).toMatchObject({ code: 'malformed', params: { detail: 'no progress for 0 s' } })
    // the same file with the default allowance reads
    expect((await readAll(path.join(SALES_FIXTURES, 'dms-sales-web.xls'))).rows).toHaveLength(5)
  })

  it('reads an .xlsx whose cells carry no references (the streaming reader refuses it) whole instead, to the same rows', async () => {
    const streamed = await readAll(path.join(SALES_FIXTURES, 'dms-sales.xlsx'))
    const whole = await readAll(path.join(SALES_FIXTURES, 'dms-sales-no-refs.xlsx'))
    expect(whole.head).toEqual({ ...streamed.head, totalBytes: whole.head.totalBytes })
    expect(whole.rows).toEqual(streamed.rows)
    expect(whole.summary.skipped).toEqual(streamed.summary.skipped)
  })

  it('refuses an Office file that is not a workbook, and one too large to read whole, saying what to do', async () => {
    const notBook = Buffer.alloc(4096)
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(notBook)
    expect((await readError(file('word.doc.xls', notBook))).code).toBe('oldExcel')
    // damaged: the fixture cut in half
    const cut = fs.readFileSync(path.join(SALES_FIXTURES, 'dms-sales.xls')).subarray(0, 3000)
    expect(['oldExcel', 'empty']).toContain((await readError(file('cut.xls', cut))).code)
    // sparse files: their size is what counts, and nothing is read
    for (const [name, head, size, limit] of [
      ['big.xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), 7 * 2 ** 20, '6.0 MB'],
      ['big-web.xls', Buffer.from('<html><table><tr><td>车架号</td></tr>'), 13 * 2 ** 20, '12.0 MB'],
    ] as const) {
      const p = file(name, head)
      fs.truncateSync(p, size)
      expect(await readError(p)).toMatchObject({ code: 'workbookTooLarge', params: { limit, size: `${(size / 2 ** 20).toFixed(1)} MB` } })
    }
    // a page built to be slow to read: SheetJS's time grows with rows × merged cells
    const spans = ['<table><tr><td>车架号</td><td>成交价</td></tr>', ...Array.from({ length: 1500 }, (_, i) => `<tr><td rowspan="2">x${i}</td><td colspan=3>y</td></tr>`), '</table>'].join('')
    expect(await readError(file('spans.xls', spans))).toMatchObject({ code: 'mergedCells', params: { count: 3000, limit: 1000 } })
    // a CSV is never taken for markup: its first cell may hold a tag-like text only after a character
    const csv = await readAll(file('lt.csv', '车架号,成交价\nLSVAA4182E2000001,<100000\n'))
    expect(csv.head.format).toBe('csv')
  })
})

describe('streamTable: what a table may hold', () => {
  /** An .xlsx as exceljs writes it (its strings shared): the header, then rows. */
  async function workbook(name: string, rows: unknown[][]) {
    const book = new ExcelJS.Workbook()
    book.addWorksheet('Sheet1').addRows(rows)
    const p = path.join(dir, name)
    await book.xlsx.writeFile(p)
    return p
  }
  /** the sales import's reader: the 'text' packing of a CSV, its credits in shared memory */
  async function salesReadError(p: string) {
    try {
      for await (const _ of streamSalesTable(p, { knownHeaders: KNOWN })) void _
    } catch (error) {
      return error as TableStreamError
    }
    throw new Error('expected the read to fail')
  }

  it('refuses a cell longer than Excel allows (32,767 characters), naming its row and column, in every format and packing', async () => {
    const long = 'x'.repeat(40_000)
    // one shared string of 40,000 characters: the preview sent it to the page whole (a 150 MB one took the server down)
    const xlsx = await workbook('long-cell.xlsx', [['客户姓名', '手机', '车型'], ['张伟', '13812341234', '朗逸'], ['李娜', '13912345678', long]])
    expect(await readError(xlsx, { previewRows: 10 })).toMatchObject({ code: 'cellTooLong', params: { row: 3, column: 'C', length: 40_000, max: 32_767 } })
    const csv = file('long-cell.csv', `客户姓名,手机,车型\n张伟,13812341234,"${long}"\n`)
    expect(await readError(csv)).toMatchObject({ code: 'cellTooLong', params: { row: 2, column: 'C', length: 40_000 } })
    expect(await salesReadError(csv)).toMatchObject({ code: 'cellTooLong', params: { row: 2, column: 'C', length: 40_000 } })
    // a header cell too: the header goes to the page as it is
    expect(await readError(file('long-header.csv', `客户姓名,手机,${long}\n张伟,13812341234,朗逸\n`))).toMatchObject({ code: 'cellTooLong', params: { row: 1, column: 'C' } })
    const page = file('long-cell.xls', `<html><body><table><tr><td>客户姓名</td><td>手机</td></tr><tr><td>${long}</td><td>13812341234</td></tr></table></body></html>`)
    expect(await readError(page)).toMatchObject({ code: 'cellTooLong', params: { row: 2, column: 'A', length: 40_000 } })
    // a cell of exactly the limit reads
    const full = await readAll(file('full-cell.csv', `客户姓名,手机\n${'y'.repeat(32_767)},13812341234\n`))
    expect(full.rows[0]!.cells[0]).toHaveLength(32_767)
  })

  it('refuses a table of more than 1,000 columns, saying how many, before its header reaches the main thread', async () => {
    const wide = (n: number) => {
      const head = ['客户姓名', '手机', ...Array.from({ length: n - 2 }, (_, i) => `c${i}`)]
      const rows = Array.from({ length: 50 }, (_, r) => [`张${r}`, `139${String(r).padStart(8, '0')}`, ...Array.from({ length: n - 2 }, () => 'x')])
      return [head, ...rows].map((r) => r.join(',')).join('\r\n')
    }
    // the security test's file: 2 MB, 20,000 columns (its preview answered 500 with a 10 MB page)
    const csv = file('cols20000.csv', wide(20_000))
    const events: string[] = []
    let error: TableStreamError | undefined
    try {
      for await (const event of streamTable(csv, { knownHeaders: KNOWN, previewRows: 10 })) events.push(event.type)
    } catch (e) {
      error = e as TableStreamError
    }
    expect(events).toEqual([])
    expect(error).toMatchObject({ code: 'tooManyColumns', params: { row: 1, count: 20_000, max: 1000 } })
    expect(await salesReadError(csv)).toMatchObject({ code: 'tooManyColumns', params: { row: 1, count: 20_000 } })
    // a data row wider than the header, in a workbook (a cell far to the right)
    const xlsx = await workbook('wide.xlsx', [['客户姓名', '手机'], ['张伟', '13812341234']])
    const book = new ExcelJS.Workbook()
    await book.xlsx.readFile(xlsx)
    book.worksheets[0]!.getCell('ALN2').value = '备注'
    await book.xlsx.writeFile(xlsx)
    expect(await readError(xlsx)).toMatchObject({ code: 'tooManyColumns', params: { row: 2, count: 1002 } })
    // 1,000 columns read
    const thousand = await readAll(file('cols1000.csv', wide(1000)))
    expect(thousand.head.headers).toHaveLength(1000)
    expect(thousand.rows).toHaveLength(50)
  })

  it('refuses a row of more than 1 MiB of text: a workbook whose one long string fills a row does not grow a thousandfold on the way over', async () => {
    const text = 'z'.repeat(30_000)
    // 40 cells sharing one string: 30 KB in the workbook, 1.2 million characters in the row
    const xlsx = await workbook('shared-row.xlsx', [['客户姓名', '手机', '备注'], ['张伟', '13812341234', ...Array.from({ length: 40 }, () => text)]])
    expect(fs.statSync(xlsx).size).toBeLessThan(100_000)
    expect(await readError(xlsx, { previewRows: 10 })).toMatchObject({ code: 'rowTooLong', params: { row: 2, length: 1_200_000 + 13, max: 1024 * 1024 } })
  })
})

describe('streamTable in the production build', () => {
  it('finds and starts its worker when bundled into one file elsewhere, as the Remix build does', async () => {
    const esbuild = await import('esbuild')
    const out = path.join(dir, 'bundle', 'index.js')
    // what remix.config.js's build does: ESM, platform node, dependencies left to node_modules
    await esbuild.build({
      entryPoints: [path.resolve('analytics/ingest/stream-table.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: out,
      external: ['exceljs', 'iconv-lite', 'papaparse', '@e965/xlsx'],
      logLevel: 'silent',
    })
    const bundled = (await import(pathToFileURL(out).href)) as typeof import('./stream-table')
    expect(bundled.streamWorkerPath()).toBe(path.resolve('analytics/ingest/stream-worker.mjs'))
    const p = file('bundled.csv', iconv.encode(SALES_CSV, 'gb18030'))
    const preview = await bundled.previewTableFile(p, { knownHeaders: KNOWN, previewRows: 2 })
    expect(preview.rows.map((r) => r.cells[4])).toEqual(['张伟', '李娜'])
  })
})
