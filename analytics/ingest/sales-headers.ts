import { z } from 'zod'
import { ID_FIELDS, MONEY_FIELDS, REQUIRED_DATE_FIELDS, SALE_FIELDS, type SaleField } from './sales-record'
import { toHalfWidth, type MoneyScale } from './sales-values'

/**
 * Which column of a DMS sales export is which field (SPEC §4): headers in Chinese or English
 * and their many variants across manufacturers' DMSs, with stray spaces, full-width forms and
 * a unit in brackets — 成交价（元）, 成交价(万元): the latter's amounts are ×10,000.
 * The guess carries a confidence per column; the user confirms or edits it on the preview.
 */

/** Header texts as normalizeSalesHeader leaves them, with the confidence of an exact match (1 unless given). */
const ALIASES: Record<SaleField, Array<string | [string, number]>> = {
  vin: [
    '车架号', '车架号码', 'vin', 'vin码', 'vin号', '车架号vin', 'vin车架号', '底盘号', '车辆识别代号', '车辆识别码', '车辆识别号', '车辆识别代码', '车身号', '车辆vin',
    'vinno', 'vinnumber', 'vincode', 'chassisno', 'chassisnumber', 'frameno', 'framenumber', 'vehicleidentificationnumber',
  ],
  orderNo: [
    '订单号', '订单编号', '订单号码', '销售订单号', '销售订单编号', '合同号', '合同编号', '销售合同号', '销售合同编号', '订车单号', ['单号', 0.7], ['单据号', 0.7],
    'orderno', 'ordernumber', 'orderid', 'salesorderno', 'salesordernumber', 'contractno', 'contractnumber', 'dealno', 'dealnumber',
  ],
  invoiceDate: [
    '开票日期', '发票日期', '开票时间', '开发票日期', '发票开具日期', '销售日期', '销售时间', '售出日期', '开票日',
    'invoicedate', 'invoicingdate', 'invoicetime', 'salesdate', 'saledate', 'billingdate', 'solddate', ['日期', 0.5], ['date', 0.5],
  ],
  orderDate: [
    '订单日期', '订单时间', '下单日期', '下单时间', '签单日期', '签单时间', '订车日期', '下订日期', '签约日期', '合同日期', '签订日期', '订购日期',
    'orderdate', 'ordertime', 'contractdate', 'bookingdate', 'orderedat', 'dealdate',
  ],
  deliveryDate: ['交车日期', '交车时间', '交付日期', '交付时间', '提车日期', '提车时间', '出库日期', 'deliverydate', 'deliveredat', 'handoverdate'],
  brand: ['品牌', '品牌名称', '车辆品牌', 'brand', 'make'],
  series: ['车系', '车系名称', '车型系列', '车辆系列', 'series', 'carseries', 'modelseries', 'vehicleseries'],
  model: ['车型', '车型名称', '品牌车型', '车辆型号', '车型全称', '销售车型', '车辆车型', 'model', 'modelname', 'vehiclemodel', 'carmodel', 'vehicle'],
  trim: ['配置', '车款', '版本', '配置名称', '车型配置', '车款名称', '车型版本', '款型', '款式', 'trim', 'version', 'variant', 'grade'],
  color: ['颜色', '车身颜色', '外观颜色', '车色', '外饰颜色', '车辆颜色', 'color', 'colour', 'exteriorcolor', 'exteriorcolour'],
  listPrice: [
    '指导价', '厂商指导价', '厂家指导价', '官方指导价', '市场指导价', '零售指导价', '建议零售价', '指导价格', 'msrp', 'listprice', 'guideprice', 'retailprice', 'rrp',
  ],
  transactionPrice: [
    '成交价', '实际成交价', '成交价格', '成交金额', '销售价', '销售价格', '实际售价', '售价', '车价', '裸车价', '开票价', '开票价格', '开票金额', '发票金额', '整车销售价',
    'transactionprice', 'saleprice', 'salesprice', 'sellingprice', 'dealprice', 'invoiceprice', 'invoiceamount', ['price', 0.7], ['价格', 0.7], ['金额', 0.5],
  ],
  discount: ['优惠', '优惠金额', '优惠额', '折扣', '折扣金额', '让利', '让利金额', '现金优惠', '整车优惠', 'discount', 'discountamount'],
  grossProfit: [
    '毛利', '综合毛利', '毛利润', '毛利额', '销售毛利', '单车综合毛利', ['单车毛利', 0.9], ['整车毛利', 0.9], ['裸车毛利', 0.9],
    'grossprofit', 'grossmargin', 'gp', 'totalgross', ['frontgross', 0.9], ['vehiclegross', 0.9], ['margin', 0.8], ['profit', 0.8],
  ],
  accessoriesRevenue: [
    '精品', '精品收入', '精品金额', '精品销售额', '精品销售', '加装精品', '精品加装', '精品装潢', '装潢', '装潢收入', '装潢金额', '装饰收入', '装具收入',
    'accessories', 'accessoryrevenue', 'accessoriesrevenue', 'accessoriesincome',
  ],
  financeIncome: [
    '金融收入', '金融返利', '金融服务费', '金融手续费', '金融佣金', '金融毛利', '按揭服务费', '按揭手续费', '贷款服务费', '贷款手续费',
    'financeincome', 'financecommission', 'financerevenue', 'loancommission',
  ],
  insuranceIncome: ['保险收入', '保险返利', '保险返点', '保险佣金', '保险手续费', '保险毛利', '保险代理费', 'insuranceincome', 'insurancecommission', 'insurancerevenue'],
  warrantyIncome: ['延保', '延保收入', '延保金额', '延保毛利', '延长保修', '延保销售额', 'warrantyincome', 'extendedwarranty', 'warrantyrevenue'],
  customerName: [
    '客户姓名', '客户名称', '客户名', '购车人', '购车人姓名', '购买人', '购车客户', '车主', '车主姓名', '车主名称', ['姓名', 0.9], ['客户', 0.8],
    'customername', 'customer', 'buyer', 'buyername', 'owner', 'ownername', 'purchaser', ['name', 0.8],
  ],
  phone: [
    '手机', '手机号', '手机号码', '联系电话', '客户电话', '客户手机', '客户手机号', '客户联系电话', '车主电话', '车主手机', '购车人电话', '移动电话', '联系手机', ['电话', 0.9], ['联系方式', 0.9],
    'mobile', 'mobileno', 'mobilephone', 'phone', 'phoneno', 'phonenumber', 'cellphone', 'customerphone', 'customermobile', ['tel', 0.9], ['telephone', 0.9],
  ],
  consultant: [
    '销售顾问', '顾问', '销售员', '销售人员', '业务员', '所属顾问', '销售顾问姓名', '跟进顾问', '接待顾问', ['销售', 0.6],
    'salesconsultant', 'consultant', 'salesperson', 'salesman', 'salesrep', 'salesadvisor', 'advisor', 'salesexecutive',
  ],
  paymentMethod: ['付款方式', '购买方式', '支付方式', '购车方式', '付款类型', '按揭全款', '全款按揭', '贷款全款', 'paymentmethod', 'paymenttype', 'payment', 'purchasetype', 'financetype'],
  tradeIn: ['置换', '是否置换', '二手车置换', '是否二手车置换', '置换情况', '置换标识', '置换业务', 'tradein', 'istradein', 'tradeinflag'],
  tradeInBrand: ['置换品牌', '置换车品牌', '旧车品牌', '二手车品牌', '原车品牌', '置换车辆品牌', 'tradeinbrand', 'oldcarbrand', 'tradeinmake'],
  tradeInModel: [
    '置换车型', '置换车系', '置换车辆', '置换车辆车型', '旧车车型', '旧车车系', '二手车车型', '二手车车系', '原车车型', '原车车系',
    'tradeinmodel', 'tradeinvehicle', 'tradeincar', 'oldcarmodel',
  ],
  source: [
    '客户来源', '信息来源', '线索来源', '来源', '来源渠道', '获客渠道', '客源渠道', '客户渠道', '来店渠道', '渠道', '信息渠道', '集客渠道', '客户来源渠道',
    'source', 'leadsource', 'customersource', 'channel',
  ],
}

/** Too general to find inside a longer header (客户类型 is not a name, 销售门店 not a consultant). */
const NOT_CONTAINABLE = new Set(['日期', 'date', '客户', 'customer', '销售', 'name', '金额', '价格', 'price', '单号', 'gp', 'tel', 'vehicle', 'payment', 'owner', 'margin', 'profit'])
/** Headers about the traded-in car (置换车型, 二手车评估价) or about costs and gifts (赠送精品, 精品成本): never guessed from a part. */
const NOT_A_FIELD = /置换|二手车|旧车|赠送|赠品|成本|cost|身份证|证件|地址|address|门店|经销商|dealer|store|备注|remark|状态|status|类型|type|编码|代码|code/

/** A unit in brackets or at the end of a header: 成交价（元）, 指导价(万元), 毛利(单位:万), 成交价万元. */
const WAN = /万元?\s*[)\]）】]|单位[:：]?\s*万|万元$/
const BRACKETED = /[([（【［][^)\]）】］]*[)\]）】］]/g
const UNIT_SUFFIX = /(单位[:：]?.*|万元|元|rmb|cny|¥|￥)$/
const NOISE = /[\s_\-:：*/\\.,，、#№'"·|]+/g

export type NormalizedHeader = { key: string; scale: MoneyScale }

/** A header as the aliases are written: half-width, lower case, no brackets, spaces, punctuation or unit; and its unit. */
export function normalizeSalesHeader(text: string): NormalizedHeader {
  const s = toHalfWidth(String(text)).toLowerCase().trim()
  const scale: MoneyScale = WAN.test(s) ? 10_000 : 1
  let key = s.replace(BRACKETED, '').replace(NOISE, '')
  if (key.length > 2) key = key.replace(UNIT_SUFFIX, '')
  if (!key) key = s.replace(NOISE, '') // a header that is only a bracket
  return { key, scale }
}

type Alias = { field: SaleField; confidence: number }
const EXACT = new Map<string, Alias>()
const CONTAINABLE: Array<{ alias: string; field: SaleField }> = []
for (const field of SALE_FIELDS) {
  for (const entry of ALIASES[field]) {
    const [text, confidence] = typeof entry === 'string' ? [entry, 1] : entry
    const { key } = normalizeSalesHeader(text)
    if (EXACT.has(key)) throw new Error(`sales header alias "${text}" is listed twice`)
    EXACT.set(key, { field, confidence })
    const ascii = /^[\x00-\x7f]*$/.test(key)
    if (!NOT_CONTAINABLE.has(key) && (ascii ? key.length >= 4 : key.length >= 2)) CONTAINABLE.push({ alias: key, field })
  }
}
// the longest alias a header contains is the most specific (实际开票日期 → 开票日期, not 日期)
CONTAINABLE.sort((a, b) => b.alias.length - a.alias.length)

/** A header's field found by containing an alias: a guess the user should look at. */
export const CONTAINED_CONFIDENCE = 0.6

export type SalesHeaderMatch = { field: SaleField; confidence: number; scale: MoneyScale }

/** The field a header names: an exact alias (its confidence), else the longest alias it contains (0.6), else null. */
export function matchSalesField(header: string): SalesHeaderMatch | null {
  const { key, scale } = normalizeSalesHeader(header)
  if (!key) return null
  const exact = EXACT.get(key)
  if (exact) return { field: exact.field, confidence: exact.confidence, scale }
  if (NOT_A_FIELD.test(key)) return null
  for (const { alias, field } of CONTAINABLE) {
    if (key.includes(alias)) return { field, confidence: CONTAINED_CONFIDENCE, scale }
  }
  return null
}

/** For header-row detection (readTable's isKnownHeader): does this text name a sales column? */
export const isKnownSalesHeader = (text: string) => matchSalesField(text) !== null

/** Every header text the guess knows exactly, as written in the alias table (for docs and the mapping UI). */
export const KNOWN_SALES_HEADERS: ReadonlyArray<{ field: SaleField; header: string }> = SALE_FIELDS.flatMap((field) =>
  ALIASES[field].map((entry) => ({ field, header: typeof entry === 'string' ? entry : entry[0] })),
)

/** One column of a file mapped to a field; `scale` is 10,000 for a money column in 万元. */
export type SalesColumn = { index: number; field: SaleField; scale: MoneyScale }
export type SalesColumnGuess = SalesColumn & { header: string; confidence: number }
export type SalesMappingGuess = {
  /** the mapped columns, in file order; at most one per field */
  columns: SalesColumnGuess[]
  /** the columns left out: no field, or a field another column names with more confidence */
  unmapped: Array<{ index: number; header: string }>
}

/**
 * The mapping of a file's header: each field taken by the column that names it with the most
 * confidence (the first of equals); 综合毛利 beats 单车毛利, 销售日期 beats a bare 日期.
 */
export function guessSalesMapping(headers: readonly string[]): SalesMappingGuess {
  const best = new Map<SaleField, SalesColumnGuess>()
  const matches: Array<SalesColumnGuess | null> = headers.map((header, index) => {
    const match = header ? matchSalesField(header) : null
    if (!match) return null
    const guess: SalesColumnGuess = { index, header, ...match, scale: MONEY_FIELDS.includes(match.field as never) ? match.scale : 1 }
    const held = best.get(match.field)
    if (!held || held.confidence < guess.confidence) best.set(match.field, guess)
    return guess
  })
  const columns: SalesColumnGuess[] = []
  const unmapped: SalesMappingGuess['unmapped'] = []
  headers.forEach((header, index) => {
    const guess = matches[index]
    if (guess && best.get(guess.field) === guess) columns.push(guess)
    else unmapped.push({ index, header })
  })
  return { columns, unmapped }
}

/** A mapping as the user confirms it on the preview (and as it is remembered per store). */
export const SalesMappingSchema = z
  .array(
    z.object({
      index: z.number().int().min(0).max(999),
      field: z.enum(SALE_FIELDS),
      scale: z.union([z.literal(1), z.literal(10_000)]).default(1),
    }),
  )
  .max(SALE_FIELDS.length)

export type SalesMappingProblem = { key: 'sales.error.noIdColumn' | 'sales.error.noDateColumn' | 'sales.error.duplicateField' | 'sales.error.duplicateColumn'; params: Record<string, string> }

/** What a mapping lacks before rows can be read: an identifier column, a date column, one column per field. */
export function checkSalesMapping(columns: readonly SalesColumn[]): SalesMappingProblem[] {
  const problems: SalesMappingProblem[] = []
  const fields = new Set<SaleField>()
  const indexes = new Set<number>()
  for (const c of columns) {
    if (fields.has(c.field)) problems.push({ key: 'sales.error.duplicateField', params: { field: c.field } })
    if (indexes.has(c.index)) problems.push({ key: 'sales.error.duplicateColumn', params: { column: String(c.index + 1) } })
    fields.add(c.field)
    indexes.add(c.index)
  }
  if (!ID_FIELDS.some((f) => fields.has(f))) problems.push({ key: 'sales.error.noIdColumn', params: {} })
  if (!REQUIRED_DATE_FIELDS.some((f) => fields.has(f))) problems.push({ key: 'sales.error.noDateColumn', params: {} })
  return problems
}
