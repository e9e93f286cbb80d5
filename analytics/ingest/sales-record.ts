import { z } from 'zod'

/**
 * One sale as a store's DMS export (经销商管理系统 销售明细) records it, after validation
 * (SPEC §4). Pure data: no database, no files. Money is integer fen (分); dates are the
 * store's calendar days as `YYYY-MM-DD` (exports carry days, and a time when they carry one
 * says nothing matchback or ROI uses).
 *
 * Required: an identifier (VIN, else the order number) and a date (invoice, order or delivery date).
 * Everything else may be missing: stores hide columns (phones, gross profit) from the export,
 * and a sale without a price still counts as a sale for matchback.
 */

/** The fields a column of a sales export can be mapped to, in the order a mapping UI lists them. */
export const SALE_FIELDS = [
  'vin',
  'orderNo',
  'invoiceDate',
  'orderDate',
  'deliveryDate',
  'brand',
  'series',
  'model',
  'trim',
  'color',
  'listPrice',
  'transactionPrice',
  'discount',
  'grossProfit',
  'accessoriesRevenue',
  'financeIncome',
  'insuranceIncome',
  'warrantyIncome',
  'customerName',
  'phone',
  'consultant',
  'paymentMethod',
  'tradeIn',
  'source',
  'tradeInBrand',
  'tradeInModel',
] as const
export type SaleField = (typeof SALE_FIELDS)[number]

/** Columns holding money: read as amounts, scaled by the column's unit (元, or 万元 ×10,000). */
export const MONEY_FIELDS = [
  'listPrice',
  'transactionPrice',
  'discount',
  'grossProfit',
  'accessoriesRevenue',
  'financeIncome',
  'insuranceIncome',
  'warrantyIncome',
] as const satisfies readonly SaleField[]
export type MoneyField = (typeof MONEY_FIELDS)[number]

export const DATE_FIELDS = ['invoiceDate', 'orderDate', 'deliveryDate'] as const satisfies readonly SaleField[]
export type DateField = (typeof DATE_FIELDS)[number]

/**
 * A row needs one of each group; a mapping needs a column of each group. A delivery date
 * (交车日期) is a sale's date too: a DMS's delivery report (交车明细) carries no other, and
 * matchback and the reports take a sale's day as invoice, else order, else delivery date.
 */
export const ID_FIELDS = ['vin', 'orderNo'] as const satisfies readonly SaleField[]
export const REQUIRED_DATE_FIELDS = ['invoiceDate', 'orderDate', 'deliveryDate'] as const satisfies readonly SaleField[]

export const PAYMENT_METHODS = ['full', 'loan', 'lease'] as const
export type PaymentMethod = (typeof PAYMENT_METHODS)[number]

const day = z.iso.date()
const fen = z.number().int().safe()
const text = z.string().min(1).max(200)

export const SaleRecordSchema = z
  .object({
    /** 车架号: 17 characters, upper case, as the DMS holds it (never "corrected") */
    vin: z.string().regex(/^[A-Z0-9]{17}$/).nullable(),
    /** 订单号 / 合同号, upper case, spaces removed */
    orderNo: z.string().min(1).max(64).nullable(),
    invoiceDate: day.nullable(),
    orderDate: day.nullable(),
    deliveryDate: day.nullable(),
    brand: text.nullable(),
    series: text.nullable(),
    model: text.nullable(),
    trim: text.nullable(),
    color: text.nullable(),
    /** 指导价 (manufacturer's suggested price) */
    listPriceFen: fen.nonnegative().nullable(),
    /** 成交价 / 开票价 */
    transactionPriceFen: fen.nonnegative().nullable(),
    /** 优惠 as the export says it (some write it negative) */
    discountFen: fen.nullable(),
    /** 毛利: may be negative (cars are often sold below cost and earn through value-added business) */
    grossProfitFen: fen.nullable(),
    /** 精品 / 装潢 */
    accessoriesRevenueFen: fen.nullable(),
    /** 金融 (loan commissions, service fees) */
    financeIncomeFen: fen.nullable(),
    /** 保险 (commissions) */
    insuranceIncomeFen: fen.nullable(),
    /** 延保 */
    warrantyIncomeFen: fen.nullable(),
    customerName: z.string().min(1).max(100).nullable(),
    /** the name as matchback compares it (see nameKey in sales-values.ts) */
    nameKey: z.string().min(1).max(100).nullable(),
    /** a full China mobile number, 11 digits; null when the export masks it */
    phone: z.string().regex(/^1[3-9]\d{9}$/).nullable(),
    /** 138****1234: present whenever a mobile number (full or masked) is */
    phoneMasked: z.string().regex(/^1[3-9]\d\*{4}\d{4}$/).nullable(),
    consultant: text.nullable(),
    paymentMethod: z.enum(PAYMENT_METHODS).nullable(),
    tradeIn: z.boolean().nullable(),
    /** 客户来源 as the DMS records it (its words, not Roadshow's channels) */
    source: text.nullable(),
    /** 置换品牌: the brand of the car the buyer traded in (conquest: buyers who came from a competitor) */
    tradeInBrand: text.nullable(),
    /** 置换车型: its model (some exports write brand and model in this one column) */
    tradeInModel: text.nullable(),
  })
  .refine((r) => r.vin !== null || r.orderNo !== null, { message: 'sales.reason.idMissing', path: ['vin'] })
  .refine((r) => r.invoiceDate !== null || r.orderDate !== null || r.deliveryDate !== null, { message: 'sales.reason.dateMissing', path: ['invoiceDate'] })

export type SaleRecord = z.infer<typeof SaleRecordSchema>

/**
 * What a sale is, across exports: "a corrected re-export replaces the rows it supersedes
 * (by VIN, else order number)". A VIN names one car, sold once by one store; an order number
 * is only unique within its store's DMS, so callers compare keys within one store.
 * Prefixed so that a VIN never equals an order number.
 */
export function saleKey(record: Pick<SaleRecord, 'vin' | 'orderNo'>): string {
  if (record.vin) return `vin:${record.vin}`
  if (record.orderNo) return `order:${record.orderNo}`
  throw new Error('A sale without a VIN or an order number has no key (validation should have refused it).')
}
