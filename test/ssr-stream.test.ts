import { PassThrough } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { createElement } from 'react'
import { renderToPipeableStream } from 'react-dom/server'
import { describe, expect, it } from 'vitest'

/**
 * The streamed HTML of a Chinese page has no NUL bytes (react-dom 18.3.1 flushed the unwritten
 * tail of its 2048-byte view where a multi-byte character met its end: facebook/react#31134,
 * patched by scripts/patch-dependencies.mjs). A NUL in an attribute reads as U+FFFD; in text it
 * breaks hydration.
 */
describe('server-rendered HTML', () => {
  it('carries every Chinese character whole, whatever the chunk boundaries', async () => {
    const rows = Array.from({ length: 400 }, (_, i) =>
      createElement('a', { key: i, href: `/campaigns/${i}`, 'aria-label': `去审批: 途观L 金秋试驾日 ${i}`, title: '杭州西湖大众4S店' }, `第${i}行 途观L 金秋试驾日`),
    )
    const html = await new Promise<Buffer>((resolve, reject) => {
      const { pipe } = renderToPipeableStream(createElement('main', null, rows), {
        onAllReady() {
          const out = new PassThrough()
          pipe(out)
          buffer(out).then(resolve, reject)
        },
        onError: reject,
      })
    })
    expect(html.includes(0)).toBe(false)
    const text = html.toString('utf8')
    expect(text).not.toContain('\uFFFD')
    expect(text.match(/去审批: 途观L 金秋试驾日 \d+/g)).toHaveLength(400)
  })
})
