import { describe, expect, it } from 'vitest'
import {
  compareNameKeys,
  nameKey,
  parseAmountFen,
  parseOrderNo,
  parsePaymentMethod,
  parseSaleDate,
  parseSalePhone,
  parseTradeIn,
  parseVin,
  toHalfWidth,
  vinCheckDigitHolds,
} from './sales-values'

const value = <T>(r: { ok: true; value: T } | { ok: false }) => (r.ok ? r.value : r)

describe('parseSaleDate', () => {
  it('reads the usual written forms as the calendar day', () => {
    for (const written of [
      '2026-10-03', '2026/10/3', '2026.10.03', '10/3/2026', '2026年10月3日', '2026 年 10 月 3 日', '20261003', '2026-10-03 14:20',
      '2026/10/3 9:05:33', '10/3/2026 2:20 PM', '２０２６－１０－０３', '2026年10月3日 14时20分', '46298', 46298, 46298.75, 20261003,
      new Date(Date.UTC(2026, 9, 3)), new Date(Date.UTC(2026, 9, 3, 23, 59, 59)), new Date(Date.UTC(2026, 9, 2, 23, 59, 59, 999.7)),
      // English month names: Excel's d-mmm-yy saved as CSV, Oracle-based DMS' DD-MON-YYYY, US writing
      '3-Oct-26', '03-OCT-2026', '3 Oct 2026', '03-Oct-2026 14:20:00', 'Oct 3, 2026', 'October 3rd, 2026', 'Sat, 3 Oct 2026', 'Oct. 3, 2026 2:20 PM', '3-Sept-2026'.replace('Sept', 'Oct'),
      // Excel's text mark kept, and the weekday written with the date
      "'2026-10-03", "'2026/10/3 14:20", '2026-10-03 星期六', '2026/10/3(周六)', '2026年10月3日（礼拜六）14:20', '2026-10-03 周六 09:15',
    ]) {
      expect(value(parseSaleDate(written)), String(written)).toBe('2026-10-03')
    }
  })

  it('refuses month names that are no month, and days that are no day', () => {
    for (const bad of ['3-Foo-2026', '32-Oct-2026', '31-Sep-2026', 'Oct 3', 'Mayday 3, 2026']) expect(parseSaleDate(bad), bad).toMatchObject({ ok: false, reason: expect.stringMatching(/^sales\.reason\.date/) })
    expect(value(parseSaleDate('3-Sept-2026'))).toBe('2026-09-03')
    expect(value(parseSaleDate('29-FEB-2028'))).toBe('2028-02-29')
  })

  it('takes the store’s day of a moment written with an offset', () => {
    expect(value(parseSaleDate('2026-10-02T17:30:00Z'))).toBe('2026-10-03')
    expect(value(parseSaleDate('2026-10-02T17:30:00Z', 'UTC'))).toBe('2026-10-02')
  })

  it('empty cells are no date; impossible, out-of-range and unreadable ones are refused', () => {
    for (const empty of [null, undefined, '', '  ', '-', '无']) expect(value(parseSaleDate(empty))).toBeNull()
    expect(parseSaleDate('2026-02-30')).toEqual({ ok: false, reason: 'sales.reason.dateImpossible', params: { value: '2026-02-30' } })
    expect(parseSaleDate('2026-13-01')).toMatchObject({ reason: 'sales.reason.dateImpossible' })
    expect(parseSaleDate('2/29/2026')).toMatchObject({ reason: 'sales.reason.dateImpossible' })
    expect(value(parseSaleDate('2/29/2028'))).toBe('2028-02-29')
    expect(parseSaleDate('1999-12-31')).toMatchObject({ reason: 'sales.reason.dateOutOfRange' })
    expect(parseSaleDate(2026)).toMatchObject({ reason: 'sales.reason.dateOutOfRange' })
    expect(parseSaleDate('next Tuesday')).toMatchObject({ reason: 'sales.reason.dateInvalid', params: { value: 'next Tuesday' } })
    expect(parseSaleDate(true)).toMatchObject({ reason: 'sales.reason.dateInvalid' })
  })
})

describe('parseAmountFen', () => {
  it('reads amounts as Excel and people write them, in fen', () => {
    const cases: Array<[Parameters<typeof parseAmountFen>[0], number]> = [
      [238800, 23_880_000], [238800.07, 23_880_007], ['238800', 23_880_000], ['238,800.00', 23_880_000], ['¥238,800.00', 23_880_000],
      ['￥238,800', 23_880_000], ['238800元', 23_880_000], ['RMB 238,800.5', 23_880_050], ['1,234,567.00', 123_456_700],
      ['1，234', 123_400], ['１２３４．５', 123_450], ['(1,200.00)', -120_000], ['-1,200', -120_000], ['¥-1,200', -120_000], ['−500', -50_000],
      ['23.88万', 23_880_000], ['23.88万元', 23_880_000], ['.5', 50], ['0', 0], ['-0', 0],
      // Excel's text mark, SAP's trailing minus, 元整, thousands set apart by spaces, scientific notation
      ["'238800", 23_880_000], ['1,200.00-', -120_000], ['1,200-', -120_000], ['238800元整', 23_880_000], ['1 234 567.00', 123_456_700],
      ['2.388E+05', 23_880_000], ['-1.2e3', -120_000],
    ]
    for (const [written, fen] of cases) expect(value(parseAmountFen(written)), String(written)).toBe(fen)
  })

  it('scales a 万元 column by 10,000, unless the cell says its own unit', () => {
    expect(value(parseAmountFen(23.88, 10_000))).toBe(23_880_000)
    expect(value(parseAmountFen('23.88', 10_000))).toBe(23_880_000)
    expect(value(parseAmountFen('23.88万', 10_000))).toBe(23_880_000)
    expect(value(parseAmountFen('238800元', 10_000))).toBe(23_880_000)
  })

  it('empty is null; text is refused', () => {
    for (const empty of [null, '', '-', '/', '无']) expect(value(parseAmountFen(empty))).toBeNull()
    for (const bad of ['abc', '12a', '1,23,4', '¥', '.', '--5', '1.2.3', '待定', '12 34', '1 2345', '5--', '1e400', 'e5', '1-2']) {
      expect(parseAmountFen(bad), bad).toMatchObject({ ok: false, reason: 'sales.reason.amountInvalid' })
    }
    expect(parseAmountFen(new Date())).toMatchObject({ ok: false, reason: 'sales.reason.amountInvalid' })
  })

  it('quotes a refused cell in its reason with any mobile number masked (every reader of the import sees the reason)', () => {
    expect(parseAmountFen('abc 13911117777')).toMatchObject({ ok: false, reason: 'sales.reason.amountInvalid', params: { value: 'abc 139****7777' } })
    expect(parseSaleDate('+86 139-1111-7777')).toMatchObject({ ok: false, params: { value: '139****7777' } })
    expect(parseAmountFen('x'.repeat(50))).toMatchObject({ params: { value: `${'x'.repeat(40)}…` } })
  })
})

describe('VINs and order numbers', () => {
  it('computes the check digit', () => {
    expect(vinCheckDigitHolds('1M8GDM9AXKP042788')).toBe(true)
    expect(vinCheckDigitHolds('11111111111111111')).toBe(true)
    expect(vinCheckDigitHolds('1M8GDM9A1KP042788')).toBe(false)
  })

  it('normalizes a VIN without changing its characters, flagging what looks wrong', () => {
    expect(value(parseVin(' 1m8gdm9axkp042788 '))).toEqual({ vin: '1M8GDM9AXKP042788', warning: null })
    expect(value(parseVin('1M8G DM9A-XKP0 42788'))).toEqual({ vin: '1M8GDM9AXKP042788', warning: null })
    expect(value(parseVin('１Ｍ８ＧＤＭ９ＡＸＫＰ０４２７８８'))).toEqual({ vin: '1M8GDM9AXKP042788', warning: null })
    // Excel's text mark and a label before it
    for (const written of ["'1M8GDM9AXKP042788", 'VIN:1M8GDM9AXKP042788', 'vin 1M8GDM9AXKP042788', '车架号：1M8GDM9AXKP042788', 'VIN码 1M8GDM9AXKP042788']) {
      expect(value(parseVin(written)), written).toEqual({ vin: '1M8GDM9AXKP042788', warning: null })
    }
    expect(parseVin('VIN:1M8GDM9AXKP04278')).toMatchObject({ ok: false, reason: 'sales.reason.vinInvalid' })
    expect(value(parseVin('1M8GDM9A1KP042788'))).toEqual({ vin: '1M8GDM9A1KP042788', warning: 'sales.warning.vinCheckDigit' })
    expect(value(parseVin('1M8GDM9AXKPO42788'))).toEqual({ vin: '1M8GDM9AXKPO42788', warning: 'sales.warning.vinLettersIOQ' })
    expect(value(parseVin(''))).toBeNull()
    expect(parseVin('LFV2A21K7G301234')).toMatchObject({ ok: false, reason: 'sales.reason.vinInvalid' })
    expect(parseVin('LFV2A21K7G30123#5')).toMatchObject({ ok: false, reason: 'sales.reason.vinInvalid' })
  })

  it('keeps order numbers as text, refusing ones Excel destroyed', () => {
    expect(value(parseOrderNo(' so-2026 1003 '))).toBe('SO-20261003')
    expect(value(parseOrderNo(20261003001))).toBe('20261003001')
    expect(value(parseOrderNo("'20261003001.0"))).toBe('20261003001')
    expect(parseOrderNo('2.02610E+17')).toMatchObject({ ok: false, reason: 'sales.reason.idDamaged' })
    expect(parseOrderNo(2.0261003000123456e17)).toMatchObject({ ok: false, reason: 'sales.reason.idDamaged' })
  })
})

describe('parseSalePhone', () => {
  it('reads full and masked mobiles, undoing Excel damage', () => {
    const full = { phone: '13812341234', masked: '138****1234', warning: null }
    for (const written of ['13812341234', 13812341234, "'13812341234", '13812341234.0', '1.3812341234E+10', '１３８１２３４１２３４', '+86 138-1234-1234']) {
      expect(value(parseSalePhone(written)), String(written)).toEqual(full)
    }
    expect(value(parseSalePhone('138****1234'))).toEqual({ phone: null, masked: '138****1234', warning: null })
    expect(value(parseSalePhone('138ＸＸＸＸ1234'))).toEqual({ phone: null, masked: '138****1234', warning: null })
  })

  it('flags landlines, refuses what is not a phone', () => {
    expect(value(parseSalePhone('0571-88888888'))).toEqual({ phone: null, masked: null, warning: 'sales.warning.phoneNotMobile' })
    // as DMS users write other numbers that are not a mobile's: in groups, without the area code, a company's service line
    for (const written of ['0571-8888-6666', '0571 8888 6666', '(0571)88886666', '88886666', 88886666, '400-800-8888', '4008008888', '800-820-8820']) {
      expect(value(parseSalePhone(written)), String(written)).toEqual({ phone: null, masked: null, warning: 'sales.warning.phoneNotMobile' })
    }
    expect(parseSalePhone('1.38123E+10')).toEqual({ ok: false, reason: 'sales.reason.phoneDamaged' })
    for (const bad of ['12345', 'abc', '23812341234', '138123412345']) expect(parseSalePhone(bad), bad).toMatchObject({ ok: false, reason: 'sales.reason.phoneInvalid' })
    expect(value(parseSalePhone(''))).toBeNull()
  })

  it('keeps a sale with several numbers in its phone cell, by the first mobile, with a warning', () => {
    const several = (phone: string | null, masked: string | null) => ({ phone, masked, warning: 'sales.warning.phoneSeveral' })
    for (const written of ['13812341234/0571-88886666', '0571-88886666；13812341234', '13812341234，13900001111', '138 1234 1234 / 139 0000 1111', '13812341234 13900001111', '13812341234、13900001111', '13812341234|13900001111']) {
      expect(value(parseSalePhone(written)), written).toEqual(several('13812341234', '138****1234'))
    }
    expect(value(parseSalePhone('138****1234/0571-88886666'))).toEqual(several(null, '138****1234'))
    expect(value(parseSalePhone('0571-88886666/010-66668888'))).toEqual({ phone: null, masked: null, warning: 'sales.warning.phoneNotMobile' })
    // parts that are not phones: refused as before
    for (const bad of ['13812341234/abc', '12345/67890', '13812341234/1/2/3/4/5']) expect(parseSalePhone(bad), bad).toMatchObject({ ok: false, reason: 'sales.reason.phoneInvalid' })
  })
})

describe('names', () => {
  it('keys a name for matchback', () => {
    expect(nameKey(' 张 伟 ')).toBe('张伟')
    expect(nameKey('张伟（老客户）')).toBe('张伟')
    expect(nameKey('张先生')).toBe('张')
    expect(nameKey('欧阳女士')).toBe('欧阳')
    expect(nameKey('买买提·艾力')).toBe('买买提艾力')
    expect(nameKey('John  SMITH')).toBe('johnsmith')
    expect(nameKey('Ｊｏｈｎ')).toBe('john')
    expect(nameKey('先生')).toBeNull()
    expect(nameKey('')).toBeNull()
  })

  it('says how two keys agree', () => {
    expect(compareNameKeys('张伟', '张伟')).toBe('exact')
    expect(compareNameKeys(nameKey('张先生'), nameKey('张伟'))).toBe('surname')
    expect(compareNameKeys('欧阳', '欧阳修')).toBe('surname')
    expect(compareNameKeys('张', '李伟')).toBeNull()
    expect(compareNameKeys('张伟', '张伟强')).toBeNull()
    expect(compareNameKeys(null, '张伟')).toBeNull()
  })
})

describe('small vocabularies', () => {
  it('reads payment methods and trade-in flags', () => {
    expect(['全款', '一次性付款', '贷款', '按揭', '分期', '金融贷款', '融资租赁', 'Cash', 'Loan', '其他'].map(parsePaymentMethod)).toEqual([
      'full', 'full', 'loan', 'loan', 'loan', 'loan', 'lease', 'full', 'loan', null,
    ])
    expect(['是', '否', 'Y', 'n', '有', '无', '√', '×', 1, 0, true, '', null, '也许'].map(parseTradeIn)).toEqual([
      true, false, true, false, true, false, true, false, true, false, true, null, null, undefined,
    ])
    // the phrases of a 置换情况 column
    expect(['有置换', '已置换', '无置换', '未置换', '没有置换', ' 无置换 '].map(parseTradeIn)).toEqual([true, true, false, false, false, false])
  })

  it('turns full-width forms half-width', () => {
    expect(toHalfWidth('ＡＢＣ１２３（）　x')).toBe('ABC123() x')
  })
})
