import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { queryChoice, queryDay, queryId, queryPage, queryText } from '../schemas/fields'
import { parseQuery } from './input.server'

const Schema = z.object({ from: queryDay, store: queryId, q: queryText(10), sort: queryChoice(['name', 'date']), page: queryPage(100) })

const request = (search: string, language = 'en') => new Request(`http://localhost/x${search}`, { headers: { 'accept-language': language } })

/** The 400 parseQuery throws: its status and text. */
function refusal(search: string, language?: string) {
  try {
    parseQuery(request(search, language), Schema)
  } catch (thrown) {
    if (thrown instanceof Response) return thrown
    throw thrown
  }
  throw new Error(`${search} was accepted`)
}

describe('parseQuery', () => {
  it('reads a good query; an empty value is no filter; unknown keys are ignored', () => {
    expect(parseQuery(request('?from=2026-02-28&store=&q=%20车展%20&sort=date&page=3&notice=x'), Schema)).toEqual({
      from: '2026-02-28',
      store: undefined,
      q: '车展',
      sort: 'date',
      page: 3,
    })
    expect(parseQuery(request(''), Schema).page).toBe(1)
  })

  it('answers 400 naming every bad field and what is wrong with it, in the user’s language', async () => {
    const res = refusal('?from=2026-02-30&store=42&q=%00&sort=size&page=0')
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toContain('text/plain')
    expect((await res.text()).split('\n')).toEqual([
      'from: Enter a date (YYYY-MM-DD).',
      'store: This value is not valid.',
      'q: This value is not valid.',
      'sort: Choose one of the options.',
      'page: Enter a whole number from 1 to 100.',
    ])
    expect(await refusal('?from=2026-13-45', 'zh-CN').text()).toBe('from：请输入日期（年-月-日）。')
  })

  it('refuses a key given twice, and takes `__proto__` for a plain name', async () => {
    expect(await refusal('?sort=name&sort=date').text()).toBe('sort: Give this value only once.')
    expect(await refusal(`?q=${'x'.repeat(11)}&__proto__=1`).text()).toBe('q: At most 10 characters.')
  })
})
