import { renderToString } from 'react-dom/server'
import { createStaticHandler, createStaticRouter, StaticRouterProvider } from 'react-router-dom/server'
import { describe, expect, it } from 'vitest'
import type { Locale } from '../i18n'
import type { JobView } from '../services/jobs.server'
import { JobProgress } from './job-progress'

const job = (over: Partial<JobView>): JobView => ({
  id: '00000000-0000-4000-8000-000000000001',
  kind: 'sales-import',
  storeId: 's',
  status: 'running',
  phase: 'reading',
  progress: { done: 50_000, total: 200_000, unit: 'rows', percent: 25 },
  error: null,
  result: null,
  attempts: 1,
  createdAt: '2026-11-29T00:00:00.000Z',
  startedAt: '2026-11-29T00:00:01.000Z',
  finishedAt: null,
  updatedAt: '2026-11-29T00:00:02.000Z',
  ...over,
})

/** Renders the component inside a data router, as the server renders a page, in one language. */
async function render(view: JobView, locale: Locale) {
  const routes = [{ id: 'root', path: '/', loader: () => ({ locale, csrf: '', user: null }), element: <JobProgress job={view} /> }]
  const handler = createStaticHandler(routes)
  const context = await handler.query(new Request('http://localhost/'))
  if (context instanceof Response) throw context
  return renderToString(<StaticRouterProvider router={createStaticRouter(handler.dataRoutes, context)} context={context} hydrate={false} />)
}

describe('<JobProgress>', () => {
  it('shows a real progress bar with its value and text, in Chinese and English', async () => {
    const zh = await render(job({}), 'zh-CN')
    expect(zh).toMatch(/<progress[^>]*aria-valuetext="正在读取文件 · 已处理 50,000 \/ 200,000 行 · 25%"[^>]*max="100"[^>]*value="25"/)
    expect(zh).toContain('进度')
    const en = await render(job({}), 'en')
    expect(en).toContain('Reading the file · 50,000 of 200,000 rows · 25%')
  })

  it('reloads itself without JavaScript while the job runs, and stops when it ends', async () => {
    const running = await render(job({}), 'en')
    expect(running).toMatch(/<noscript><meta http-equiv="refresh" content="3"\/>/)
    expect(running).toContain(`href="/jobs/${job({}).id}"`)
    const done = await render(job({ status: 'done', progress: { done: 200_000, total: 200_000, unit: 'rows', percent: 100 } }), 'en')
    expect(done).not.toContain('http-equiv="refresh"')
    expect(done).toContain('Finished.')
  })

  it('shows an indeterminate bar while the total is unknown', async () => {
    const html = await render(job({ status: 'queued', phase: null, progress: { done: 0, total: null, unit: null, percent: null } }), 'zh-CN')
    expect(html).toMatch(/<progress(?![^>]*value=)[^>]*>/)
    expect(html).toContain('正在排队')
  })
})
