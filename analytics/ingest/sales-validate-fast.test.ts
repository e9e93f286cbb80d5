import crypto from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { Cell, TableRow } from './read-table'
import { guessSalesMapping } from './sales-headers'
import { SeenKeys } from './sales-keys'
import { PhoneHmac, SalesStage } from './sales-stage'
import type { SalesTextBatch } from './sales-stream'
import { codesOf } from './sales-text-batch'
import { createSalesValidator, type SalesValidatorOptions } from './sales-validate'
import { vinCheckDigitHolds } from './sales-values'

/**
 * The CSV fast path (validateText) against the general validator (validateBatch): the same
 * rows, full of the forms exports have and the ways they go wrong, must give the same staged
 * bytes, row for row, and the same rejected, warned and skipped rows with the same reasons.
 * The fast path may decline any row; it must never accept one differently.
 */

const KEY = crypto.randomBytes(32)
let seed = 20261129
const rand = (n: number) => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0
  return (seed >>> 8) % n
}
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!

const CHARS = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ'
function vin() {
  const head = Array.from({ length: 8 }, () => pick([...CHARS])).join('')
  const tail = Array.from({ length: 8 }, () => pick([...CHARS])).join('')
  for (const c of '0123456789X') if (vinCheckDigitHolds(head + c + tail)) return head + c + tail
  return `${head}0${tail}`
}
const phone = () => `1${pick(['3', '5', '8', '9'])}${String(rand(1e9)).padStart(9, '0')}`

const vins: string[] = []
const orders: string[] = []
const GENERATORS: Record<string, () => string | null> = {
  seq: () => pick([String(rand(100000)), String(rand(100000)), String(rand(100000)), '合计', 'Total', 'ｔｏｔａｌ', 'sum 3', '小 计', null, 'Grand total']),
  vin: () => {
    const r = rand(20)
    if (r < 11) return (vins[vins.length] = vin())
    if (r === 11 && vins.length) return pick(vins)
    if (r === 12) return vin().toLowerCase()
    if (r === 13) return vin().replace(/^(.{4})/, '$1-')
    if (r === 14) return vin().replace(/^./, 'I')
    if (r === 15) return vin().slice(0, 8) + 'Z' + vin().slice(9)
    return pick([null, '-', 'LSVAB123', 'Ｌ' + vin().slice(1), ' ' + vin(), '无'])
  },
  order: () => {
    const r = rand(20)
    if (r < 12) return (orders[orders.length] = `SO${String(rand(1e10)).padStart(10, '0')}`)
    if (r === 12 && orders.length) return pick(orders)
    return pick([null, 'so-12 3', '2.0261E+17', "'12345.0", 'X'.repeat(65), '-', 'NA', '20260001.0', 'A/B_C-1', '订单1', 'K-' + rand(100)])
  },
  date: () =>
    rand(3)
      ? `20${pick(['24', '25', '26'])}-${String(1 + rand(12)).padStart(2, '0')}-${String(1 + rand(28)).padStart(2, '0')}`
      : pick([null, '2026/10/3', '2026-02-30', '1999-01-01', '2101-01-01', '46298', '20261003', '2026年10月3日', 'garbage', '-', '2027-05-01', '2026-11-30', '2026-11-29', '2026-10-03 12:30', '２０２６-10-03', '2026-1-3', '2026.10.03', '10/3/2026', '2026-10-03T01:00:00+08:00', '2100-12-31', '2000-01-01', '2024-02-29', '2025-02-29', '2026/9/3', '2026/1/15', '2026/1.5', '2026.1.5', '2026/10/', '2026//1/1', '2026/13/1', '2026/2/30', '1999/1/1', '2026/11/30', '2026/11/29', '2026-9-30', '2026/9/031', '2026/x/1', '2026/10/3 ']),
  money: () =>
    rand(3)
      ? `${100000 + rand(200000)}.${pick(['00', '50', '5', ''])}`.replace(/\.$/, '')
      : pick([null, '119800', '-2000', '¥119,800.00', '23.88万', '(1,200.00)', '0', '0.00', 'abc', '-', '1e5', '99999999999', '１２３', '1.005', '-0', '.5', '12345678901234567', '3,800', '-.5', '.', '-', '25', '9999999', '20000000', '20000000.01', '0.1', '-20000000', '-20000000.01']),
  text: () =>
    pick([null, '丰田', 'RAV4荣放 双擎', '卡罗拉 双擎 精英版', 'with "quote"', 'a,b', 'x'.repeat(201), 'x'.repeat(200), 'two  spaces', 'ＡＢＣ', '-', '无', 'N/A', 'Nike', 'NA', 'n/a', '#N/A', 'null', '\u00a0nbsp', 'tab\there', '𠮷野家', 'lone\ud800x', 'ok', '白色', '黑色', '——', '/', 'Null', ' lead', 'trail ', 'mid\u3000space', 'a\ufeffb', 'x\u00a0y', 'ｘ', 'fine text ok', '\u3000']),
  name: () => pick([null, '张伟', '欧阳修', '张先生', '买买提·艾力', '张伟（老客户）', 'John Smith', '先生', 'x'.repeat(101), '-', '李', '王小明明', '王小明明明', '赵总', 'Ｊｏｈｎ', '刘 德华']),
  phone: () => {
    const r = rand(12)
    if (r < 6) return phone()
    if (r < 8) return phone().replace(/^(\d{3})\d{4}/, '$1****')
    return pick([null, '+86 138 1234 5678', '1.3812345678E+10', '1.38123E+10', "'13812345678", '13812345678.0', '0571-88888888', '12345', '-', '１３８１２３４５６７８', '23812345678', '138xxxx5678', '138****567', '008613812345678', '13812345678/0571-88886666', '138 1234 5678，13900001111', '13812345678/abc'])
  },
  payment: () => pick([null, '全款', '贷款', '融资租赁', 'cash', 'weird', '-', 'x'.repeat(201), '分期', '全款 ', '全额付款']),
  tradeIn: () => pick([null, '是', '否', 'Y', 'n', 'TRUE', '1', '0', 'maybe', '√', '无', '置换']),
}

/** the usual forms, as most rows of an export have them */
const USUAL: Record<string, () => string | null> = {
  seq: () => String(1 + rand(1e6)),
  vin: () => (vins[vins.length] = vin()),
  order: () => `SO${String(rand(1e12)).padStart(12, '0')}`,
  date: () => `2026-${String(1 + rand(10)).padStart(2, '0')}-${String(1 + rand(28)).padStart(2, '0')}`,
  money: () => `${100000 + rand(200000)}.00`,
  text: () => pick(['丰田', '卡罗拉 双擎 精英版', '白色', 'RAV4荣放']),
  name: () => pick(['张伟', '欧阳修', '马国涛', '顾先生']),
  phone: () => (rand(3) ? phone() : phone().replace(/^(\d{3})\d{4}/, '$1****')),
  payment: () => pick(['全款', '贷款', '融资租赁']),
  tradeIn: () => pick(['是', '否']),
}

const HEADERS = ['序号', '车架号', '订单号', '开票日期', '订单日期', '交车日期', '品牌', '车系', '车型', '颜色', '指导价', '成交价', '优惠金额', '毛利', '精品收入', '金融收入', '保险返利', '客户姓名', '手机', '销售顾问', '付款方式', '是否置换', '客户来源', '置换品牌', '置换车型']
const KINDS = ['seq', 'vin', 'order', 'date', 'date', 'date', 'text', 'text', 'text', 'text', 'money', 'money', 'money', 'money', 'money', 'money', 'money', 'name', 'phone', 'text', 'payment', 'tradeIn', 'text', 'text', 'text']

/** 'all': every cell drawn from every form; 'one': one cell so, the others usual */
function makeRows(kinds: readonly string[], count: number, mode: 'all' | 'one'): TableRow[] {
  const rows: TableRow[] = []
  for (let i = 0; i < count; i++) {
    const r = rand(40)
    // mostly rows as DMS exports have them; some blank, some short, some long
    const width = r === 0 ? 0 : r === 1 ? 1 + rand(kinds.length) : r === 2 ? kinds.length + 2 : kinds.length
    const odd = rand(kinds.length)
    const cells: Cell[] = []
    for (let j = 0; j < width; j++) {
      const kind = kinds[j]
      cells.push(kind === undefined ? pick([null, 'extra']) : mode === 'all' || j === odd ? GENERATORS[kind]!() : USUAL[kind]!())
    }
    rows.push({ rowNumber: i + 3, cells })
  }
  return rows
}

/**
 * rows as the CSV reader packs them: one text's code units, each cell's offsets (an empty cell is
 * start === end), and the phone column's hashes where the reader's thread would make them
 */
function pack(rows: TableRow[], phoneColumn = -1): SalesTextBatch {
  let text = ''
  const starts: number[] = []
  const ends: number[] = []
  for (const row of rows) {
    for (const cell of row.cells) {
      const s = cell === null ? '' : String(cell)
      starts.push(text.length)
      text += s
      ends.push(text.length)
    }
  }
  const hashes = new Int32Array(rows.length * 8)
  const hashed = new Uint8Array(rows.length)
  const hmac = new PhoneHmac(KEY)
  rows.forEach((row, r) => {
    const cell = row.cells[phoneColumn]
    if (typeof cell === 'string' && /^\d{11}$/.test(cell)) {
      hashes.set(hmac.digest(cell, 0, 11), r * 8)
      hashed[r] = 1
    }
  })
  return {
    codes: codesOf(text),
    starts: Int32Array.from(starts),
    ends: Int32Array.from(ends),
    rowNumbers: Int32Array.from(rows.map((r) => r.rowNumber)),
    widths: Int32Array.from(rows.map((r) => r.cells.length)),
    ...(phoneColumn >= 0 ? { hashes, hashed } : {}),
  }
}


function compare(headers: string[], kinds: string[], options: Partial<SalesValidatorOptions> = {}, mode: 'all' | 'one' = 'all', count = 6000) {
  const columns = guessSalesMapping(headers).columns
  const general = createSalesValidator({ headers, columns, latestDate: '2026-11-29', ...options })
  const fast = createSalesValidator({ headers, columns, latestDate: '2026-11-29', ...options })
  const generalStage = new SalesStage(KEY)
  const fastStage = new SalesStage(KEY)
  let fastRows = 0
  let batches = 0
  for (let b = 0; b < 6; b++) {
    const rows = makeRows(kinds, count / 6, mode)
    const expected = general.validateBatch(rows)
    for (const sale of expected.sales) generalStage.record(sale.rowNumber, sale.record)
    // every other batch with the phones hashed as the reader's thread hashes them
    const got = fast.validateText(pack(rows, b % 2 ? headers.indexOf('手机') : -1), fastStage)
    expect(got.imported).toBe(expected.sales.length)
    expect(got.rejected).toEqual(expected.rejected)
    expect(got.skipped).toEqual(expected.skipped)
    expect(got.warned).toEqual(expected.sales.filter((s) => s.warnings))
    const a = generalStage.take().toString('utf8').split('\n')
    const f = fastStage.take().toString('utf8').split('\n')
    for (let i = 0; i < Math.max(a.length, f.length); i++) expect(f[i], `staged line ${i}`).toBe(a[i])
    fastRows += rows.length - got.general
    batches++
  }
  return { fastRows, rows: count }
}

describe('the CSV fast path of the sales validator', () => {
  it('stages and reports every row as the general validator does (a DMS export’s columns)', () => {
    const { fastRows, rows } = compare(HEADERS, KINDS)
    // most rows have something odd somewhere, but the fast path took some: the comparison is
    // not of the general path with itself
    expect(fastRows).toBeGreaterThan(rows * 0.01)
  })

  it('… with one cell of each row in some other form (read by the general parsers on the fast path, or declined)', () => {
    const { fastRows, rows } = compare(HEADERS, KINDS, {}, 'one', 24_000)
    expect(fastRows).toBeGreaterThan(rows * 0.5)
  })

  it('… with amounts in 万元, no VIN column, and a latest date that is no ISO day', () => {
    const headers = HEADERS.map((h) => (h === '指导价' ? '指导价(万元)' : h === '成交价' ? '成交价（万元）' : h))
    const kinds = KINDS.map((k, i) => (i === 10 || i === 11 ? 'money' : k))
    compare(headers, kinds)
    const noVin = HEADERS.filter((h) => h !== '车架号')
    compare(
      noVin,
      KINDS.filter((_, i) => i !== 1),
      {},
    )
    compare(HEADERS, KINDS, { latestDate: '2026/11/29' })
    compare(HEADERS, KINDS, { latestDate: undefined })
  })

  it('… with amounts of every number of decimals, signs and sizes, in 元 and in 万元', () => {
    const saved = { ...GENERATORS }
    const digits = (n: number) => Array.from({ length: n }, () => String(rand(10))).join('')
    try {
      GENERATORS.money = () => {
        if (!rand(20)) return pick(['-0', '-0.00', '0.000000', '000123.4500', '-000.01', '0.0000001', '999999999999999', '1125899906842.62', '1125899906842.63', '-1.5', '.'])
        const whole = rand(8) ? String(rand(10 ** (1 + rand(9)))) : digits(1 + rand(15))
        const fraction = digits(rand(9))
        return `${rand(4) ? '' : '-'}${whole}${fraction || rand(2) ? `.${fraction}` : ''}`
      }
      compare(HEADERS, KINDS, {}, 'one', 24_000)
      const inWan = HEADERS.map((h) => (['指导价', '优惠金额', '毛利', '精品收入'].includes(h) ? `${h}(万元)` : h))
      expect(guessSalesMapping(inWan).columns.filter((c) => c.scale === 10_000)).toHaveLength(4)
      compare(inWan, KINDS, {}, 'one', 24_000)
    } finally {
      Object.assign(GENERATORS, saved)
    }
  })

  it('… with the usual forms only (the fast path takes nearly all of them)', () => {
    const saved = { ...GENERATORS }
    try {
      Object.assign(GENERATORS, USUAL)
      const { fastRows, rows } = compare(HEADERS, KINDS)
      // all but the blank and short rows (a 40th each)
      expect(fastRows).toBeGreaterThan(rows * 0.85)
    } finally {
      Object.assign(GENERATORS, saved)
    }
  })
})

describe('SeenKeys', () => {
  it('remembers each key’s first row, across growth and two-byte characters', () => {
    const keys = new SeenKeys()
    const map = new Map<string, number>()
    let wrong = 0
    for (let i = 0; i < 200_000; i++) {
      const key = i % 1000 === 7 ? `订单${rand(5000)}` : i % 1000 === 3 ? `SO-${rand(5000)}号` : `K${rand(300_000)}`
      if (keys.get(key) !== map.get(key)) wrong++
      keys.put(key, i)
      if (!map.has(key)) map.set(key, i)
    }
    expect(wrong).toBe(0)
    expect(keys.size).toBe(map.size)
    for (const [key, row] of map) expect(keys.get(key)).toBe(row)
    expect(keys.has('nope')).toBe(false)
    // looked up where the key lies in a longer text
    const text = `xx${[...map.keys()][5]}yy`
    const slot = keys.find(codesOf(text), 2, text.length - 2)
    expect(keys.row(slot)).toBe(map.get([...map.keys()][5]!))
    // done with the file: the memory goes back, the keys with it
    keys.release()
    expect(keys.size).toBe(0)
    expect(keys.get([...map.keys()][0]!)).toBeUndefined()
    keys.put('again', 1)
    expect(keys.get('again')).toBe(1)
  })
  it('keeps every key when room is made for more mid-way, and grows past the room made', () => {
    const keys = new SeenKeys()
    const map = new Map<string, number>()
    for (let i = 0; i < 120_000; i++) {
      // room made after the first keys, a smaller room asked for later (nothing shrinks), then more keys than either
      if (i === 1_000) keys.reserve(40_000)
      if (i === 30_000) keys.reserve(10)
      if (i === 60_000) keys.reserve(Number.NaN)
      const key = i % 500 === 3 ? `车架${rand(90_000)}` : `V${rand(150_000)}`
      expect(keys.get(key)).toBe(map.get(key))
      keys.put(key, i)
      if (!map.has(key)) map.set(key, i)
    }
    expect(keys.size).toBe(map.size)
    for (const [key, row] of map) expect(keys.get(key)).toBe(row)
  })
})

describe('PhoneHmac', () => {
  it('is HMAC-SHA256 of phone:<number>, as the app’s hashPhone computes it', () => {
    for (const key of [KEY, Buffer.from('test-only-phone-hash-key-0123456789'), crypto.randomBytes(64), crypto.randomBytes(100), Buffer.alloc(0)]) {
      const hmac = new PhoneHmac(key)
      for (let i = 0; i < 2000; i++) {
        const p = i % 100 === 0 ? `+86${phone()}${'9'.repeat(i % 60)}` : i % 77 === 0 ? `１${phone()}` : phone()
        expect(hmac.hex(p)).toBe(crypto.createHmac('sha256', key).update(`phone:${p}`).digest('hex'))
      }
    }
  })
})

describe('SalesStage', () => {
  it('writes every integer as its decimal digits: each length, the 32-bit edges, negatives, doubles and beyond 2^31', () => {
    const values: number[] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 10_000, 99_999, 100_000, 1_000_000, 9_999_999, 10_000_000, 11_980_000, 99_999_999]
    values.push(100_000_000, 999_999_999, 1_000_000_000, 2 ** 31 - 2, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 7, 10 ** 12 + 305, 2 ** 50, Number.MAX_SAFE_INTEGER)
    // amounts as the parsers make them: doubles that hold integers
    for (let i = 0; i < 2000; i++) values.push(Math.round(Math.random() * 10 ** (1 + (i % 15))), Math.round(Number((Math.random() * 1e6).toFixed(2)) * 100))
    const all = [...values, ...values.filter((v) => v > 0).map((v) => -v)]
    const stage = new SalesStage(KEY)
    stage.begin(1)
    for (const v of all) stage.int(v)
    stage.int(null)
    stage.end()
    expect(stage.take().toString('utf8')).toBe(`1,${all.map((v) => String(v)).join(',')},\n`)
  })
})
