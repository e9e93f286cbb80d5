import { describe, expect, it } from 'vitest'
import { checkSalesMapping, guessSalesMapping, isKnownSalesHeader, matchSalesField, normalizeSalesHeader } from './sales-headers'

const fieldOf = (header: string) => matchSalesField(header)?.field ?? null

describe('matchSalesField', () => {
  it('knows the Chinese and English names of each column, with their variants', () => {
    const cases: Record<string, string[]> = {
      vin: ['车架号', 'VIN', 'VIN码', '底盘号', '车辆识别代号', ' 车 架 号 ', 'ＶＩＮ', 'Vin No.', 'Chassis No'],
      orderNo: ['订单号', '合同号', '销售订单编号', 'Order No.', 'Contract Number'],
      invoiceDate: ['开票日期', '发票日期', '销售日期', 'Invoice Date', 'Sales Date', '实际开票日期'],
      orderDate: ['订单日期', '下单日期', '签单日期', 'Order Date'],
      deliveryDate: ['交车日期', '交付日期', 'Delivery Date'],
      series: ['车系', '车系名称'],
      model: ['车型', '车型名称', '品牌车型', 'Model'],
      trim: ['配置', '车款', 'Trim'],
      color: ['颜色', '车身颜色', 'Colour'],
      listPrice: ['指导价', '厂商指导价', 'MSRP', '指导价(元)', '指导价（万元）'],
      transactionPrice: ['成交价', '实际成交价', '成交价格', '销售价', '开票价(含税)', '成交价（元）', '成交价(万元)', 'Transaction Price (CNY)'],
      grossProfit: ['毛利', '单车毛利', '综合毛利', 'Gross Profit'],
      accessoriesRevenue: ['精品收入', '装潢收入', '加装精品'],
      financeIncome: ['金融收入', '按揭服务费'],
      insuranceIncome: ['保险返利', '保险收入'],
      warrantyIncome: ['延保', '延保收入'],
      customerName: ['客户姓名', '客户名称', '购车人', '车主', 'Customer Name'],
      phone: ['手机', '手机号', '联系电话', '客户电话', '电话', 'Mobile', 'Customer Phone', '手机号码(脱敏)'],
      consultant: ['销售顾问', '顾问', '销售员', 'Sales Consultant'],
      paymentMethod: ['付款方式', '购买方式', 'Payment Method'],
      tradeIn: ['置换', '是否置换', '二手车置换', 'Trade-in'],
      source: ['客户来源', '信息来源', 'Lead Source', '客户来源渠道'],
    }
    for (const [field, headers] of Object.entries(cases)) {
      for (const header of headers) expect(fieldOf(header), header).toBe(field)
    }
  })

  it('knows the headers of a foreign brand’s DMS (deal number and date, front and total gross, sales executive, finance type)', () => {
    const guess = guessSalesMapping(['Deal No.', 'VIN', 'Deal Date', 'Delivery Date', 'Front Gross', 'Total Gross', 'Sales Executive', 'Finance Type'])
    expect(guess.columns.map((c) => [c.header, c.field])).toEqual([
      ['Deal No.', 'orderNo'], ['VIN', 'vin'], ['Deal Date', 'orderDate'], ['Delivery Date', 'deliveryDate'], ['Total Gross', 'grossProfit'], ['Sales Executive', 'consultant'], ['Finance Type', 'paymentMethod'],
    ])
    expect(checkSalesMapping(guess.columns)).toEqual([])
  })

  it('reads the unit of a money column: 万元 scales by 10,000', () => {
    expect(matchSalesField('成交价(万元)')).toEqual({ field: 'transactionPrice', confidence: 1, scale: 10_000 })
    expect(matchSalesField('指导价（万）')).toMatchObject({ field: 'listPrice', scale: 10_000 })
    expect(matchSalesField('毛利 单位:万元')).toMatchObject({ field: 'grossProfit', scale: 10_000 })
    expect(matchSalesField('成交价万元')).toMatchObject({ field: 'transactionPrice', scale: 10_000 })
    expect(matchSalesField('成交价（元）')).toMatchObject({ field: 'transactionPrice', scale: 1 })
    expect(normalizeSalesHeader('  成交价（元） ')).toEqual({ key: '成交价', scale: 1 })
  })

  it('is less sure of a guess from part of a header, and leaves other columns alone', () => {
    expect(matchSalesField('实际开票日期')).toMatchObject({ field: 'invoiceDate', confidence: 0.6 })
    expect(matchSalesField('日期')).toMatchObject({ field: 'invoiceDate', confidence: 0.5 })
    for (const other of ['序号', '置换车型评估', '二手车评估价', '赠送精品', '精品成本', '客户类型', '销售门店', '身份证号', '车型代码', '备注', '', '贷款银行']) {
      expect(fieldOf(other), other).toBeNull()
    }
    // the traded-in car is named by its own columns, never taken for the car sold (conquest, SPEC §5)
    expect(matchSalesField('置换车型')).toMatchObject({ field: 'tradeInModel', confidence: 1 })
    expect(matchSalesField('置换品牌')).toMatchObject({ field: 'tradeInBrand', confidence: 1 })
    expect(matchSalesField('二手车车型')).toMatchObject({ field: 'tradeInModel', confidence: 1 })
    expect(isKnownSalesHeader('车架号')).toBe(true)
    expect(isKnownSalesHeader('备注')).toBe(false)
  })
})

describe('guessSalesMapping', () => {
  it('maps each field to its most certain column and lists the rest', () => {
    const guess = guessSalesMapping(['序号', '车架号', '日期', '开票日期', '单车毛利', '综合毛利', '成交价(万元)', '备注', '手机'])
    expect(guess.columns.map((c) => [c.index, c.field, c.confidence, c.scale])).toEqual([
      [1, 'vin', 1, 1],
      [3, 'invoiceDate', 1, 1],
      [5, 'grossProfit', 1, 1],
      [6, 'transactionPrice', 1, 10_000],
      [8, 'phone', 1, 1],
    ])
    expect(guess.unmapped).toEqual([
      { index: 0, header: '序号' },
      { index: 2, header: '日期' },
      { index: 4, header: '单车毛利' },
      { index: 7, header: '备注' },
    ])
    expect(checkSalesMapping(guess.columns)).toEqual([])
  })

  it('says what a mapping lacks', () => {
    expect(checkSalesMapping([{ index: 0, field: 'model', scale: 1 }]).map((p) => p.key)).toEqual(['sales.error.noIdColumn', 'sales.error.noDateColumn'])
    expect(
      checkSalesMapping([
        { index: 0, field: 'vin', scale: 1 },
        { index: 1, field: 'vin', scale: 1 },
        { index: 1, field: 'orderDate', scale: 1 },
      ]),
    ).toEqual([
      { key: 'sales.error.duplicateField', params: { field: 'vin' } },
      { key: 'sales.error.duplicateColumn', params: { column: '2' } },
    ])
  })
})
