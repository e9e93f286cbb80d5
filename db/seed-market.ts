import { prng } from './seed-sales'

/**
 * The demo region's market data (SPEC §5; issue "Competitor intelligence", must 6): a year of
 * monthly insurance registrations (上险数) for 杭州 and 宁波, by maker and model, as a data
 * provider hands them over — a title row, the makers' joint-venture names (上汽大众, 东风日产 …),
 * a totals row, saved by Excel as GB18030. Every model of the demo segments is there, with a few
 * outside them. Our share moves: a spring dip and an autumn gain. The app imports it on first run
 * into each demo store, as a specialist would, so the market share analysis has something to
 * show. Deterministic: the same day gives the same data.
 */

export type SeedMarketExport = { storeId: string; fileName: string; csv: string }

/** maker (as market data names it), model, monthly registrations in 杭州 at the start of the year */
const MODELS: Array<[maker: string, model: string, units: number, ours: boolean]> = [
  ['上汽大众', '朗逸', 1_350, true],
  ['一汽-大众', '速腾', 820, true],
  ['上汽大众', '途观L', 610, true],
  ['一汽-大众', '探岳', 480, true],
  ['一汽-大众', '迈腾', 560, true],
  ['上汽大众', '帕萨特', 520, true],
  ['一汽-大众', 'ID.4 CROZZ', 180, true],
  ['东风日产', '轩逸', 1_620, false],
  ['一汽丰田', '卡罗拉', 980, false],
  ['东风本田', '思域', 640, false],
  ['一汽丰田', 'RAV4荣放', 720, false],
  ['东风本田', 'CR-V', 690, false],
  ['东风日产', '奇骏', 430, false],
  ['广汽丰田', '凯美瑞', 760, false],
  ['广汽本田', '雅阁', 700, false],
  ['东风日产', '天籁', 380, false],
  ['一汽丰田', 'bZ4X', 150, false],
  ['比亚迪', '元PLUS', 1_100, false],
  ['比亚迪', '秦PLUS', 1_900, false],
  ['特斯拉', 'Model Y', 1_300, false],
]

const CITIES: Array<[city: string, scale: number]> = [
  ['杭州', 1],
  ['宁波', 0.62],
]

const field = (v: string | number) => {
  const s = String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The twelve months before the month of `today` (market data lags a month), `YYYY-MM`, oldest first. */
export function demoMarketMonths(today: Date): string[] {
  const y = today.getUTCFullYear()
  const m = today.getUTCMonth()
  return Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(y, m - 12 + i, 1)).toISOString().slice(0, 7))
}

export function demoMarketExports(stores: Array<{ id: string; name: string }>, today: Date): SeedMarketExport[] {
  const months = demoMarketMonths(today)
  const r = prng(Number(today.toISOString().slice(0, 10).replace(/-/g, '')) + 29)
  const rows: string[][] = []
  let total = 0
  months.forEach((month, i) => {
    const calendar = Number(month.slice(5, 7))
    // the market: a February trough (Spring Festival), a strong autumn and year end
    const season = calendar === 2 ? 0.62 : calendar === 1 ? 0.9 : calendar >= 9 ? 1.12 : 1
    // ours: a spring dip, then an autumn of campaigns gaining share
    const oursMove = calendar >= 3 && calendar <= 5 ? 0.9 : calendar >= 9 ? 1.08 + (i % 3) * 0.02 : 1
    for (const [city, scale] of CITIES) {
      for (const [maker, model, base, ours] of MODELS) {
        // electric models grow through the year
        const trend = model === 'ID.4 CROZZ' || model === 'bZ4X' || maker === '比亚迪' || maker === '特斯拉' ? 1 + i * 0.03 : 1
        const units = Math.max(0, Math.round(base * scale * season * trend * (ours ? oursMove : 1) * (0.92 + r() * 0.16)))
        total += units
        rows.push([month, '浙江', city, maker, model, String(units)])
      }
    }
  })
  const lines = [
    [`浙江省乘用车上险数（${months[0]} 至 ${months[months.length - 1]}）`],
    ['统计月份', '省份', '城市', '厂商', '车型', '上险数'],
    ...rows,
    ['合计', '', '', '', '', String(total)],
  ]
  const csv = lines.map((l) => l.map(field).join(',')).join('\r\n') + '\r\n'
  return stores.map((s) => ({ storeId: s.id, fileName: `浙江上险数-${months[0]}-${months[months.length - 1]}.csv`, csv }))
}
