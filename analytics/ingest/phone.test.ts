import { describe, expect, it } from 'vitest'
import { displayPhone, parsePhone } from './phone'

describe('parsePhone', () => {
  it('normalizes the ways people write a China mobile number', () => {
    for (const written of ['13812341234', '+86 138 1234 1234', '0086-138-1234-1234', '86 13812341234', '138.1234.1234', ' (138) 1234-1234 ']) {
      expect(parsePhone(written), written).toEqual({ kind: 'full', phone: '13812341234', masked: '138****1234' })
    }
  })

  it('reads what Excel and typing do to a number: full-width digits, a leading quote, .0, scientific notation', () => {
    for (const written of ['１３８１２３４１２３４', '＋８６ １３８ １２３４ １２３４', "'13812341234", '13812341234.0', '1.3812341234E+10', '1.3812341234e10', 13812341234]) {
      expect(parsePhone(written), String(written)).toEqual({ kind: 'full', phone: '13812341234', masked: '138****1234' })
    }
    expect(parsePhone('１３８＊＊＊＊１２３４')).toMatchObject({ kind: 'masked', masked: '138****1234' })
    // a label before it and a note after it
    for (const written of ['手机：13812341234', '手机号 138-1234-1234', '联系电话:+86 13812341234', 'Tel: 13812341234', 'TEL.13812341234', '13812341234（本人）', '13812341234 (微信同号)', '电话：13812341234(本人)']) {
      expect(parsePhone(written), written).toEqual({ kind: 'full', phone: '13812341234', masked: '138****1234' })
    }
    expect(parsePhone('手机：138****1234')).toMatchObject({ kind: 'masked', masked: '138****1234' })
    // a second number in brackets is no note; a label alone, or another word, is no phone
    for (const bad of ['13812341234(0571-88886666)', '手机：', '微信13812341234', '13812341234 本人']) expect(parsePhone(bad), bad).toBeNull()
    // Excel kept too few digits: the number is lost, not guessed
    expect(parsePhone('1.38123E+10')).toBeNull()
    expect(parsePhone(1.5)).toBeNull()
  })

  it('keeps a masked number as a partial key', () => {
    expect(parsePhone('138****1234')).toEqual({ kind: 'masked', masked: '138****1234', prefix: '138', suffix: '1234' })
    expect(parsePhone('134xxxx5678')).toMatchObject({ kind: 'masked', masked: '134****5678' })
    expect(parsePhone('+86 139XXXX0000')).toMatchObject({ kind: 'masked', masked: '139****0000' })
    // pasted through a Markdown table or a chat, each * escaped
    expect(parsePhone('138\\*\\*\\*\\*1234')).toEqual({ kind: 'masked', masked: '138****1234', prefix: '138', suffix: '1234' })
  })

  it('refuses what is not a mobile number', () => {
    for (const bad of ['', '12345', '0571-88888888', '23812341234', '1381234123', '138123412345', 'abc', '138**1234']) {
      expect(parsePhone(bad), bad).toBeNull()
    }
  })

  it('shows the full number only where allowed', () => {
    expect(displayPhone({ phone: '13812341234', phoneMasked: '138****1234' }, true)).toBe('13812341234')
    expect(displayPhone({ phone: '13812341234', phoneMasked: '138****1234' }, false)).toBe('138****1234')
    expect(displayPhone({ phone: null, phoneMasked: '139****0000' }, true)).toBe('139****0000')
  })
})
