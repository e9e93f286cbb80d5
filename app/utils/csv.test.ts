import { describe, expect, it } from 'vitest'
import { csvCell, csvResponse, toCsv, UTF8_BOM } from './csv'

describe('toCsv', () => {
  it('quotes what needs quoting and ends lines with CRLF', () => {
    expect(toCsv([['name', 'note'], ['王先生', 'says "hi", then\nleaves'], [1, null], [true, undefined]])).toBe(
      'name,note\r\n王先生,"says ""hi"", then\nleaves"\r\n1,\r\ntrue,\r\n',
    )
    expect(toCsv([])).toBe('')
  })

  it('neutralises cells a spreadsheet would run as a formula (= + - @ tab CR)', () => {
    for (const evil of ['=HYPERLINK("http://evil.test","点我")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      const cell = csvCell(evil)
      // the cell's text starts with an apostrophe, so Excel shows it as text
      const text = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell
      expect(text, JSON.stringify(evil)).toBe(`'${evil}`)
    }
    expect(toCsv([['=1+1', 'a=b']])).toBe("'=1+1,a=b\r\n")
    // numbers are numbers, not text: a negative amount stays as it is
    expect(csvCell(-12.5)).toBe('-12.5')
    expect(csvCell('138****1234')).toBe('138****1234')
  })

  it('writes dates as ISO moments', () => {
    expect(csvCell(new Date('2026-10-01T02:03:04Z'))).toBe('2026-10-01T02:03:04.000Z')
  })
})

describe('csvResponse', () => {
  it('is UTF-8 with a byte-order mark, downloaded under a name every browser reads', async () => {
    const res = csvResponse('线索-2026-10-01.csv', [['姓名'], ['张三']], { asciiName: 'leads-2026-10-01.csv' })
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="leads-2026-10-01.csv"; filename*=UTF-8''${encodeURIComponent('线索-2026-10-01.csv')}`,
    )
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes)).toBe(`${UTF8_BOM}姓名\r\n张三\r\n`)
  })
})
