import { describe, expect, it } from 'vitest'
import { fenToYuanInput, formatCurrencyName, formatTimeZone, formatChange, formatDay, formatMoment, formatMoney, formatPercent, parseYuanToFen } from './format'

describe('money', () => {
  it('shows fen as ¥ with two decimals in both languages', () => {
    expect(formatMoney(1234550, 'zh-CN')).toBe('¥12,345.50')
    expect(formatMoney(1234550, 'en')).toBe('¥12,345.50')
    expect(formatMoney(null, 'en')).toBe('—')
  })

  it('reads what people type into integer fen', () => {
    expect(parseYuanToFen('12000')).toBe(1_200_000)
    expect(parseYuanToFen('12,000.5')).toBe(1_200_050)
    expect(parseYuanToFen('¥ 0.07')).toBe(7)
    expect(parseYuanToFen('3元')).toBe(300)
    expect(parseYuanToFen('1.234')).toBeNull()
    expect(parseYuanToFen('abc')).toBeNull()
    expect(parseYuanToFen('')).toBeNull()
    expect(fenToYuanInput(1_200_050)).toBe('12000.50')
    expect(parseYuanToFen(fenToYuanInput(987_654_321)!)).toBe(987_654_321)
  })
})

describe('percentages', () => {
  it('shows ratios as whole percentages with grouping, a change with its sign, and nothing as a dash', () => {
    expect(formatPercent(0.123, 'zh-CN')).toBe('12%')
    expect(formatPercent(12.5, 'en')).toBe('1,250%')
    expect(formatPercent(-0.4, 'en')).toBe('-40%')
    expect(formatPercent(0.1234, 'en', 1)).toBe('12.3%')
    expect(formatPercent(null, 'en')).toBe('—')
    expect(formatPercent(Number.NaN, 'en')).toBe('—')
    expect(formatChange(0.25, 'en')).toBe('+25%')
    expect(formatChange(-0.031, 'zh-CN')).toBe('−3%')
    expect(formatChange(0.001, 'en')).toBe('±0%')
  })
})

describe('time', () => {
  it('shows a UTC moment in the store time zone', () => {
    // 16:30 UTC is 00:30 the next day in Shanghai
    const text = formatMoment(new Date('2026-03-01T16:30:00Z'), 'en', 'Asia/Shanghai')
    expect(text).toBe('Mar 2, 2026, 00:30')
  })

  it('reads as people write it, in both languages: no "GMT+8" or other zone label', () => {
    const at = new Date('2026-03-01T16:30:00Z')
    expect(formatMoment(at, 'zh-CN', 'Asia/Shanghai')).toBe('2026年3月2日 00:30')
    expect(formatMoment(at, 'en', 'Asia/Shanghai')).toBe('Mar 2, 2026, 00:30')
    expect(formatMoment(new Date('2026-11-29T06:05:00Z'), 'zh-CN', 'Asia/Shanghai')).toBe('2026年11月29日 14:05')
    expect(formatMoment(at, 'zh-CN', 'Asia/Urumqi')).not.toMatch(/GMT|UTC|CST/)
  })

  it('shows a plan day without shifting it', () => {
    expect(formatDay('2026-03-01', 'en')).toBe('Mar 1, 2026')
    expect(formatDay('2026-03-01', 'zh-CN')).toBe('2026年3月1日')
  })
})

describe('time zones and currencies', () => {
  it('are named in the reader’s language, not by their codes alone', () => {
    expect(formatTimeZone('Asia/Shanghai', 'zh-CN')).toBe('中国标准时间（上海）')
    expect(formatTimeZone('Asia/Shanghai', 'en')).toBe('China Standard Time (Shanghai)')
    expect(formatTimeZone('Asia/Urumqi', 'zh-CN')).toBe('乌鲁木齐时间')
    expect(formatTimeZone('UTC', 'en')).toBe('Coordinated Universal Time (UTC)')
    expect(formatCurrencyName('CNY', 'zh-CN')).toBe('人民币 (CNY)')
    expect(formatCurrencyName('HKD', 'en')).toBe('Hong Kong Dollar (HKD)')
  })
})
