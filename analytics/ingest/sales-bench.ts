/**
 * How fast the sales row validator runs (SPEC §7 wants the whole sales import at ≥ 150k rows/s):
 *   npx tsx analytics/ingest/sales-bench.ts [rows]
 * Makes rows as a CSV reader yields them (every cell text, as the slowest case), then
 * validates them in batches of 10,000 as a streaming import would: the general validator
 * (validateBatch, as .xlsx and Parquet imports use it), and the CSV path (validateText: the
 * fast path with the general validator behind it, staging each row as the import does).
 * A measurement, not a test.
 */
import crypto from 'node:crypto'
import type { TableRow } from './read-table'
import { guessSalesMapping } from './sales-headers'
import { SalesStage } from './sales-stage'
import type { SalesTextBatch } from './sales-stream'
import { codesOf } from './sales-text-batch'
import { createSalesValidator } from './sales-validate'
import { vinCheckDigitHolds } from './sales-values'

const total = Number(process.argv[2] ?? 1_000_000)
const BATCH = 10_000
const headers = ['序号', '车架号', '订单号', '开票日期', '订单日期', '车系', '车型', '颜色', '指导价(元)', '成交价', '毛利', '精品收入', '客户姓名', '手机', '销售顾问', '付款方式', '置换', '客户来源']
const series = ['朗逸', '速腾', '帕萨特', '途观L', '途岳', 'ID.4 CROZZ']
const consultants = ['李娜', '陈刚', '王强', '赵敏', '孙丽']
const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'
const given = '伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚'
const CHARS = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ'

let seed = 20261003
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
}
function vin(i: number) {
  const tail = String(i).padStart(8, '0')
  const head = `LFV2A2${CHARS[rand(CHARS.length)]}${CHARS[rand(CHARS.length)]}`
  for (const c of '0123456789X') if (vinCheckDigitHolds(head + c + tail)) return head + c + tail
  return head + '0' + tail
}

function makeRows(from: number, count: number): TableRow[] {
  const rows: TableRow[] = new Array(count)
  for (let k = 0; k < count; k++) {
    const i = from + k
    const day = 1 + (i % 28)
    const price = 99_800 + rand(200) * 1000
    const masked = i % 5 === 0
    const phone = `13${rand(10)}${String(rand(100_000_000)).padStart(8, '0')}`
    rows[k] = {
      rowNumber: i + 2,
      cells: [
        String(i + 1),
        vin(i),
        `SO${String(i).padStart(10, '0')}`,
        `2026-10-${day < 10 ? '0' : ''}${day}`,
        `2026/9/${day}`,
        series[i % series.length]!,
        `${series[i % series.length]} 2026款 豪华版`,
        i % 2 ? '白色' : '黑色',
        i % 3 ? `¥${(price + 20000).toLocaleString('en-US')}.00` : String(price + 20000),
        String(price),
        String(rand(10_000) - 2000),
        i % 4 ? '' : '3,800',
        `${surnames[rand(20)]}${given[rand(20)]}${i % 3 ? given[rand(20)] : ''}`,
        masked ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : phone,
        consultants[i % consultants.length]!,
        i % 3 ? '全款' : '贷款',
        i % 4 ? '否' : '是',
        i % 2 ? '汽车之家' : '自然到店',
      ],
    }
  }
  return rows
}

/** rows as the CSV reader's 'text' packing hands them over: one text's code units, each cell's offsets */
function pack(rows: TableRow[]): SalesTextBatch {
  const parts: string[] = []
  const starts: number[] = []
  const ends: number[] = []
  let at = 0
  for (const row of rows) {
    for (const cell of row.cells) {
      const s = cell === null ? '' : String(cell)
      starts.push(at)
      parts.push(s)
      at += s.length
      ends.push(at)
    }
  }
  return {
    codes: codesOf(parts.join('')),
    starts: Int32Array.from(starts),
    ends: Int32Array.from(ends),
    rowNumbers: Int32Array.from(rows.map((r) => r.rowNumber)),
    widths: Int32Array.from(rows.map((r) => r.cells.length)),
  }
}

const columns = guessSalesMapping(headers).columns
for (const how of ['validateBatch', 'validateText'] as const) {
  seed = 20261003
  const validator = createSalesValidator({ headers, columns })
  const stage = new SalesStage(crypto.randomBytes(32))
  // rows are made batch by batch, as a streaming reader yields them; only validation (and the CSV path's staging) is timed
  let sales = 0
  let rejected = 0
  let elapsed = 0n
  for (let from = 0; from < total; from += BATCH) {
    const rows = makeRows(from, Math.min(BATCH, total - from))
    const batch = how === 'validateText' ? pack(rows) : null
    const started = process.hrtime.bigint()
    if (batch) {
      const result = validator.validateText(batch, stage)
      stage.take()
      sales += result.imported
      rejected += result.rejected.length
    } else {
      const result = validator.validateBatch(rows)
      sales += result.sales.length
      rejected += result.rejected.length
    }
    elapsed += process.hrtime.bigint() - started
  }
  const seconds = Number(elapsed) / 1e9
  console.log(
    `${how}: ${total.toLocaleString('en-US')} rows (${columns.length} mapped columns, all cells text) in ${seconds.toFixed(2)} s: ` +
      `${Math.round(total / seconds).toLocaleString('en-US')} rows/s; ${sales} sales, ${rejected} rejected; heap ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB`,
  )
}
