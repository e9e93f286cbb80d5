import crypto from 'node:crypto'
import { Error as ErrorLevel, logger, parse, View } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/**
 * Renders a vega-lite spec to SVG on the server: the chart shows before any
 * JavaScript loads, prints sharply, and needs no canvas.
 */
// vega-lite warns about harmless scale merges (an explicit domain shared by x and x2); keep errors only
const quiet = logger(ErrorLevel)

/**
 * The SVG of the spec — its data included — rendered once and kept (a chart is ~50 ms of vega
 * work; a page asked again of unchanged data draws the same charts). Keyed by a hash of the
 * spec, so different data, labels or language are different charts; the least recently used
 * go first.
 */
export function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const key = crypto.createHash('sha256').update(JSON.stringify(spec)).digest('base64url')
  const hit = rendered.get(key)
  if (hit) {
    rendered.delete(key)
    rendered.set(key, hit)
    return hit
  }
  const pending = draw(spec).catch((error: unknown) => {
    rendered.delete(key)
    throw error
  })
  rendered.set(key, pending)
  while (rendered.size > KEPT_CHARTS) rendered.delete(rendered.keys().next().value!)
  return pending
}

const KEPT_CHARTS = 256
const rendered = new Map<string, Promise<string>>()

async function draw(spec: TopLevelSpec): Promise<string> {
  // the page's <figure role="img"> names the chart; its marks are no separate images (axe svg-img-alt)
  const quietSpec = { ...spec, config: { ...spec.config, aria: false } } as TopLevelSpec
  const view = new View(parse(compile(quietSpec, { logger: quiet }).spec), { renderer: 'none', logLevel: ErrorLevel })
  try {
    return presentational(await view.toSVG())
  } finally {
    view.finalize()
  }
}

/**
 * The chart's SVG without ARIA roles of its own: the page's <figure role="img" aria-label> names
 * the chart, and vega's per-mark roles (graphics-object, graphics-symbol) read to a screen reader
 * as unnamed images (axe svg-img-alt). The data is in the table and the downloads beside it.
 */
export function presentational(svg: string) {
  return svg
    .replace(/\s(?:role|aria-roledescription|aria-label)="[^"]*"/g, '')
    .replace(/^<svg\b/, '<svg aria-hidden="true" focusable="false"')
}

/** The font stack of the app's stylesheet, so chart text matches the page. */
export const CHART_FONT =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
