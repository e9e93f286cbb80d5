import { Error as ErrorLevel, logger, parse, View } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/**
 * Renders a vega-lite spec to SVG on the server: the chart shows before any
 * JavaScript loads, prints sharply, and needs no canvas.
 */
// vega-lite warns about harmless scale merges (an explicit domain shared by x and x2); keep errors only
const quiet = logger(ErrorLevel)

export async function renderChartSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec, { logger: quiet }).spec), { renderer: 'none', logLevel: ErrorLevel })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** The font stack of the app's stylesheet, so chart text matches the page. */
export const CHART_FONT =
  "-apple-system, BlinkMacSystemFont, 'Segoe UI', 'PingFang SC', 'Hiragino Sans GB', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"
