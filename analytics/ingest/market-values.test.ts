import { describe, expect, it } from 'vitest'
import { checkMarketMapping, guessMarketMapping, guessMarketMeasure } from './market-headers'
import { monthOfHeader, parseMarketMonth, parseUnits } from './market-values'

describe('market months', () => {
  it('reads a month as reports write it, as the first day of that month', () => {
    const cases: Array<[unknown, string]> = [
      ['2026-03', '2026-03-01'],
      ['2026/3', '2026-03-01'],
      ['2026.03', '2026-03-01'],
      ['2026年3月', '2026-03-01'],
      ['2026年03月份', '2026-03-01'],
      ['２０２６年３月', '2026-03-01'],
      ['202603', '2026-03-01'],
      [202603, '2026-03-01'],
      ['2026-03-01', '2026-03-01'],
      ['2026/3/15', '2026-03-01'],
      ['2026年3月15日', '2026-03-01'],
      ['20260315', '2026-03-01'],
      [46082, '2026-03-01'], // an Excel serial day
      ['46082', '2026-03-01'],
      [new Date(Date.UTC(2026, 2, 1)), '2026-03-01'], // an .xlsx date cell
    ]
    for (const [cell, month] of cases) expect(parseMarketMonth(cell as never), String(cell)).toEqual({ ok: true, value: month })
  })

  it('refuses what is not a month, and reads an empty cell as none', () => {
    for (const cell of ['2026-13', '202613', '3月', 'next month', '1999-01', true]) {
      expect(parseMarketMonth(cell as never), String(cell)).toMatchObject({ ok: false, reason: 'market.reason.monthInvalid' })
    }
    expect(parseMarketMonth(null)).toEqual({ ok: true, value: null })
    expect(parseMarketMonth('-')).toEqual({ ok: true, value: null })
  })

  it('takes a header for a month only when it names the year too', () => {
    expect(monthOfHeader('2026-01')).toBe('2026-01-01')
    expect(monthOfHeader('2026年1月')).toBe('2026-01-01')
    expect(monthOfHeader('2026年1月上险数')).toBe('2026-01-01')
    expect(monthOfHeader('202601')).toBe('2026-01-01')
    expect(monthOfHeader('2026-01-01')).toBe('2026-01-01')
    expect(monthOfHeader('2026-01-01T00:00:00.000Z')).toBe('2026-01-01')
    for (const header of ['1月', '一月', '2026-01-15', '合计', '上险数', '']) expect(monthOfHeader(header), header).toBeNull()
  })
})

describe('market units', () => {
  it('reads whole numbers of cars, with separators, 台 and 万', () => {
    const cases: Array<[unknown, number]> = [
      ['1234', 1234],
      ['1,234', 1234],
      ['1，234', 1234],
      ['１２３４', 1234],
      ['120台', 120],
      ['1.2万', 12_000],
      ['0', 0],
      [850, 850],
      ['12.00', 12],
    ]
    for (const [cell, units] of cases) expect(parseUnits(cell as never), String(cell)).toEqual({ ok: true, value: units })
  })

  it('refuses negative, fractional and non-numeric counts; empty is none', () => {
    expect(parseUnits('-5')).toMatchObject({ ok: false, reason: 'market.reason.unitsNegative' })
    expect(parseUnits(-5)).toMatchObject({ ok: false, reason: 'market.reason.unitsNegative' })
    expect(parseUnits('12.5')).toMatchObject({ ok: false, reason: 'market.reason.unitsFractional' })
    expect(parseUnits(0.5)).toMatchObject({ ok: false, reason: 'market.reason.unitsFractional' })
    expect(parseUnits('很多')).toMatchObject({ ok: false, reason: 'market.reason.unitsInvalid' })
    expect(parseUnits(new Date())).toMatchObject({ ok: false, reason: 'market.reason.unitsInvalid' })
    expect(parseUnits('')).toEqual({ ok: true, value: null })
    expect(parseUnits('—')).toEqual({ ok: true, value: null })
  })
})

describe('market headers', () => {
  it('guesses the long layout from Chinese and English headers', () => {
    const zh = guessMarketMapping(['年月', '省', '地市', '厂商', '车系', '交强险数量', '占比'])
    expect(zh.map((c) => [c.index, c.field])).toEqual([
      [0, 'month'],
      [1, 'province'],
      [2, 'city'],
      [3, 'brand'],
      [4, 'model'],
      [5, 'units'],
    ])
    expect(checkMarketMapping(zh, ['年月', '省', '地市', '厂商', '车系', '交强险数量', '占比'])).toEqual({ layout: { kind: 'long' }, problems: [] })
    const en = guessMarketMapping(['Month', 'Province', 'City', 'Brand', 'Model', 'Registrations'])
    expect(en.map((c) => c.field)).toEqual(['month', 'province', 'city', 'brand', 'model', 'units'])
    expect(guessMarketMeasure(['月份', '城市', '品牌', '车型', '销量'], [{ index: 4, field: 'units' }])).toBe('sales')
    expect(guessMarketMeasure(['月份', '城市', '品牌', '车型', '上险数'], [{ index: 4, field: 'units' }])).toBe('registrations')
  })

  it('guesses the wide layout from month headers, and says what a mapping lacks', () => {
    const headers = ['城市', '品牌', '车型', '2026-01', '2026年2月', '合计']
    const wide = guessMarketMapping(headers)
    expect(wide.map((c) => [c.index, c.field])).toEqual([
      [0, 'city'],
      [1, 'brand'],
      [2, 'model'],
      [3, 'units'],
      [4, 'units'],
    ])
    expect(checkMarketMapping(wide, headers).layout).toEqual({
      kind: 'wide',
      months: [
        { index: 3, month: '2026-01-01' },
        { index: 4, month: '2026-02-01' },
      ],
    })
    // units under a header that is not a month, beside month columns
    expect(checkMarketMapping([...wide, { index: 5, field: 'units' }], headers).problems).toEqual([{ key: 'market.error.unitsNotMonth', params: { header: '合计' } }])
    // one units column and no month column: the month is what is missing
    expect(checkMarketMapping([...wide.slice(0, 3), { index: 5, field: 'units' }], headers).problems).toEqual([{ key: 'market.error.missingField', params: { field: 'month' } }])
    expect(checkMarketMapping(wide.slice(1), headers).problems).toEqual([{ key: 'market.error.missingField', params: { field: 'city' } }])
  })
})
