import fs from 'node:fs'
import { once } from 'node:events'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import type { Cell } from './load'
import type { Sale } from './model'

/**
 * The files a store hands over, as its systems write them: DMS sales exports in GB18030 (what
 * Excel's "Save as CSV" writes on Chinese Windows) with a title row and a totals row, the same
 * as .xlsx and as Parquet, and a lead platform's export. Written streaming.
 */

export const SALES_HEADERS = [
  '序号', '车架号', '订单号', '开票日期', '订单日期', '交车日期', '品牌', '车系', '车型', '颜色', '指导价', '成交价', '优惠金额', '毛利',
  '精品收入', '金融收入', '保险返利', '客户姓名', '手机', '销售顾问', '付款方式', '是否置换', '客户来源',
] as const

const SOURCE_LABEL: Record<string, string> = {
  autohome: '汽车之家', bitauto: '易车', dongchedi: '懂车帝', pcauto: '太平洋汽车', wechat: '微信', douyin: '抖音', sms: '短信', web: '官网',
  newspaper: '报纸', radio: '电台', tv: '电视', outdoor: '户外广告', search: '搜索', referral: '转介绍', direct: '直接访问',
  word_of_mouth: '朋友推荐', passing_by: '路过进店', returning_customer: '老客户',
}

/** A date as DMS exports write it (yyyy-mm-dd in the store's time zone, UTC+8). */
export function localDate(ms: number) {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 10)
}
function localDateTime(ms: number) {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ')
}
const yuan = (fen: number) => (fen / 100).toFixed(2)

export function saleCells(sale: Sale, row: number): Cell[] {
  return [
    row, sale.vin, sale.orderNo, localDate(sale.invoiceMs), localDate(sale.orderMs), localDate(sale.deliveryMs), sale.brand, sale.series,
    `${sale.series} ${sale.trim}`, sale.color, yuan(sale.listFen), yuan(sale.priceFen), yuan(sale.listFen - sale.priceFen), yuan(sale.grossFen),
    yuan(sale.accessoriesFen), yuan(sale.financeFen), yuan(sale.insuranceFen), sale.customerName, sale.phoneText, sale.consultant, sale.payment,
    sale.tradeIn ? '是' : '否', SOURCE_LABEL[sale.source] ?? sale.source,
  ]
}

/** A field as spreadsheet programs write it: quoted only when it must be. */
function exportField(value: Cell): string {
  if (value === null || value === undefined) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** A CSV file in an encoding, written with back-pressure. */
export class EncodedCsv {
  private readonly out: fs.WriteStream
  private pending: string[] = []
  private size = 0

  constructor(
    readonly file: string,
    private readonly encoding: 'gb18030' | 'utf8',
  ) {
    this.out = fs.createWriteStream(file)
  }

  async line(cells: readonly Cell[]) {
    const text = cells.map(exportField).join(',') + '\r\n'
    this.pending.push(text)
    this.size += text.length
    if (this.size > 256 * 1024) await this.drain()
  }

  private async drain() {
    const text = this.pending.join('')
    this.pending = []
    this.size = 0
    const bytes = this.encoding === 'utf8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gb18030')
    if (!this.out.write(bytes)) await once(this.out, 'drain')
  }

  async close() {
    await this.drain()
    this.out.end()
    await once(this.out, 'finish')
  }
}

/** A DMS sales export as CSV: a title row, the header, the sales, a totals row. */
export class SalesCsv {
  private readonly csv: EncodedCsv
  private rows = 0
  private totalFen = 0

  constructor(file: string, title: string, encoding: 'gb18030' | 'utf8' = 'gb18030') {
    this.csv = new EncodedCsv(file, encoding)
    this.title = title
  }
  private readonly title: string
  private started = false

  async add(sale: Sale) {
    if (!this.started) {
      this.started = true
      await this.csv.line([this.title])
      await this.csv.line([...SALES_HEADERS])
    }
    this.rows++
    this.totalFen += sale.priceFen
    await this.csv.line(saleCells(sale, this.rows))
  }

  async close() {
    if (!this.started) {
      await this.csv.line([this.title])
      await this.csv.line([...SALES_HEADERS])
    }
    await this.csv.line(['合计', `${this.rows}台`, '', '', '', '', '', '', '', '', '', yuan(this.totalFen)])
    await this.csv.close()
    return this.rows
  }
}

/** A DMS sales export as .xlsx: a merged title row over the header, a totals row at the end; streamed. */
export class SalesXlsx {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter
  private readonly sheet: ExcelJS.Worksheet
  private rows = 0

  constructor(file: string, title: string) {
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false })
    this.sheet = this.workbook.addWorksheet('销售明细')
    const titleRow = this.sheet.addRow([title])
    this.sheet.mergeCells(1, 1, 1, SALES_HEADERS.length)
    titleRow.commit()
    this.sheet.addRow([...SALES_HEADERS]).commit()
  }

  add(sale: Sale) {
    this.rows++
    const cells = saleCells(sale, this.rows).map((c, i) => {
      // dates as real Excel dates and amounts as numbers, as a DMS writes them
      if (i >= 3 && i <= 5) return new Date(`${c}T00:00:00Z`)
      if (i >= 10 && i <= 16) return Number(c)
      return c
    })
    this.sheet.addRow(cells).commit()
  }

  async close() {
    this.sheet.addRow(['合计', `${this.rows}台`]).commit()
    await this.sheet.commit()
    await this.workbook.commit()
    return this.rows
  }
}

export function platformLeadLine(row: number, name: string, phoneText: string, series: string, city: string, atMs: number, storeName: string): Cell[] {
  return [row, name, phoneText, series, city, localDateTime(atMs), storeName, '']
}
export const PLATFORM_HEADERS = ['序号', '客户姓名', '手机号', '意向车型', '所在城市', '留资时间', '经销商名称', '备注'] as const
