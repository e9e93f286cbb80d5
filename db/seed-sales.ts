import { seededRandom } from '../analytics/attribution/random'

/**
 * The demo stores' DMS sales exports (SPEC §4; issue "Sales data in", must 5): what a store's
 * DMS would hand over for the seeded period — the seeded leads who ordered, as the consultant
 * typed them in (the name as the lead had it or just the surname with 先生/女士, the number
 * whole or masked, now and then as Excel mangled it), and buyers who walked in without ever
 * being a lead. Written as a DMS writes it: a title row, the header, the sales, a totals row.
 * The app keeps and imports them on first run, so matchback has something to show.
 */

export type SeedBuyer = {
  storeId: string
  storeName: string
  name: string
  phone: string
  model: string
  orderedAt: number
  deliveredAt: number | null
}

export type SeedSalesExport = { storeId: string; fileName: string; csv: string }

const PRICES: Record<string, number> = { 途观L: 265_800, 迈腾: 209_900, 探岳: 218_800, 'ID.4 CROZZ': 199_900, 速腾: 159_900, 帕萨特: 239_900 }
const CONSULTANTS = ['李娜', '陈刚', '王强', '赵敏']
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高'
const VIN_CHARS = '0123456789ABCDEFGHJKLMNPRSTUVWXYZ'
const HEADERS = ['序号', '车架号', '订单号', '订单日期', '开票日期', '交车日期', '车系', '车型', '指导价', '成交价', '毛利', '客户姓名', '联系电话', '销售顾问', '付款方式', '是否置换', '置换品牌', '置换车型']

/** The seed's deterministic random numbers (mulberry32, the one generator of analytics/attribution/random.ts): the same day seeds the same data. */
export const prng = seededRandom

const TRANSLIT: Record<string, number> = { A: 1, B: 2, C: 3, D: 4, E: 5, F: 6, G: 7, H: 8, J: 1, K: 2, L: 3, M: 4, N: 5, P: 7, R: 9, S: 2, T: 3, U: 4, V: 5, W: 6, X: 7, Y: 8, Z: 9 }
const WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]

/** A VIN whose ninth character is its ISO 3779 check digit. */
function vin(body16: string) {
  const chars = (body16.slice(0, 8) + '0' + body16.slice(8)).split('')
  const sum = chars.reduce((s, c, i) => s + (/\d/.test(c) ? Number(c) : TRANSLIT[c]!) * WEIGHTS[i]!, 0)
  const check = sum % 11 === 10 ? 'X' : String(sum % 11)
  chars[8] = check
  return chars.join('')
}

/** Cars buyers trade in, as consultants type them: mostly rivals of the demo segments, some of our own brand, some with the year or without a brand. */
const TRADE_INS: Array<[brand: string, model: string]> = [
  ['日产', '轩逸 2017款'], ['丰田', '卡罗拉'], ['本田', '思域'], ['本田', '雅阁 2015款'], ['丰田', '凯美瑞'], ['日产', '天籁'],
  ['本田', 'CR-V'], ['丰田', 'RAV4荣放'], ['', '东风日产奇骏'], ['别克', '英朗'], ['吉利', '帝豪'], ['大众', '宝来'], ['大众', '朗逸 2016款'],
]

const localDate = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
const field = (v: string | number) => {
  const s = String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function demoSalesExports(buyers: SeedBuyer[], stores: Array<{ id: string; name: string }>, now: Date, usedPhones: Set<string>): SeedSalesExport[] {
  const r = prng(Number(localDate(now.getTime()).replace(/-/g, '')) + 7)
  const pick = <T>(list: readonly T[]) => list[Math.floor(r() * list.length)]!
  // the traded-in cars from a sequence of their own: the rest of the export is as it was without them
  const tradeInRandom = prng(Number(localDate(now.getTime()).replace(/-/g, '')) + 13)
  const DAY = 86_400_000
  let serial = 0
  return stores.map((store, s) => {
    const rows: string[][] = []
    const sales = buyers.filter((b) => b.storeId === store.id).map((b) => ({ ...b, fromLead: true }))
    // buyers who never were leads: the store's walk-in trade the campaigns did not bring
    for (let i = 0; i < Math.max(4, Math.round(sales.length * 0.6)); i++) {
      let phone: string
      do phone = `1${pick(['3', '5', '8'])}${String(Math.floor(r() * 1e9)).padStart(9, '0')}`
      while (usedPhones.has(phone))
      usedPhones.add(phone)
      const orderedAt = now.getTime() - (3 + r() * 80) * DAY
      sales.push({
        storeId: store.id,
        storeName: store.name,
        name: `${pick([...SURNAMES])}${r() < 0.5 ? '先生' : '女士'}`,
        phone,
        model: pick(Object.keys(PRICES)),
        orderedAt,
        deliveredAt: r() < 0.7 ? Math.min(now.getTime() - DAY, orderedAt + (2 + r() * 10) * DAY) : null,
        fromLead: false,
      })
    }
    sales.sort((a, b) => a.orderedAt - b.orderedAt)
    let total = 0
    for (const sale of sales) {
      serial++
      const list = PRICES[sale.model] ?? 199_900
      const price = list - Math.round((0.05 + r() * 0.12) * list / 100) * 100
      total += price
      const x = r()
      // the number as the consultant's DMS has it: mostly whole, some masked, now and then as Excel left it
      const phone = x < 0.25 ? `${sale.phone.slice(0, 3)}****${sale.phone.slice(-4)}` : x < 0.3 ? `'${sale.phone}` : x < 0.33 ? `${sale.phone}.0` : sale.phone
      const body = `LSV${'AB'[s % 2]}${Array.from({ length: 4 }, () => pick([...VIN_CHARS])).join('')}T${s + 1}${String(serial).padStart(6, '0')}`
      const invoiceAt = sale.orderedAt + Math.floor(r() * 3) * DAY
      rows.push([
        String(rows.length + 1),
        vin(body),
        `HT${localDate(sale.orderedAt).replace(/-/g, '')}${String(serial).padStart(4, '0')}`,
        localDate(sale.orderedAt),
        localDate(Math.min(invoiceAt, now.getTime() - 3_600_000)),
        sale.deliveredAt ? localDate(sale.deliveredAt) : '',
        sale.model,
        `${sale.model} 2026款`,
        list.toFixed(2),
        price.toFixed(2),
        Math.round(price * (0.01 + r() * 0.03)).toFixed(2),
        sale.name,
        phone,
        pick(CONSULTANTS),
        pick(['全款', '贷款', '分期']),
        ...(() => {
          if (r() >= 0.2) return ['否', '', '']
          const [brand, model] = TRADE_INS[Math.floor(tradeInRandom() * TRADE_INS.length)]!
          return ['是', brand, model]
        })(),
      ])
    }
    const lines = [
      [`${store.name} 整车销售明细（近三个月）`],
      HEADERS,
      ...rows,
      ['合计', `${rows.length}台`, '', '', '', '', '', '', '', total.toFixed(2)],
    ]
    return { storeId: store.id, fileName: `${store.name}-销售明细.csv`, csv: lines.map((l) => l.map(field).join(',')).join('\r\n') + '\r\n' }
  })
}
