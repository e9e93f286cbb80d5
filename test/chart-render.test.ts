import { describe, expect, it } from 'vitest'
import { trendSpec } from '../analytics/charts/attribution'
import { CHART_FONT, renderChartSvg } from '../app/services/charts.server'

// Charts are drawn on the server as SVG (SPEC §4) and kept by their spec: the same chart of the
// same data is drawn once, and any change of data or label draws a new one.

const spec = (fen: number, title = '费用与毛利') =>
  trendSpec(
    [
      { month: '2026-09', series: '费用', fen: 1_000_000 },
      { month: '2026-10', series: '毛利', fen },
    ],
    { font: CHART_FONT, title, axis: '金额（元）' },
  )

describe('renderChartSvg', () => {
  it('draws the chart as SVG with its Chinese labels, and the same chart again from what it kept', async () => {
    const first = await renderChartSvg(spec(2_500_000))
    expect(first).toMatch(/^<svg/)
    expect(first).toContain('费用与毛利')
    const again = renderChartSvg(spec(2_500_000))
    expect(await again).toBe(first)
  })

  it('draws anew when the data or a label changes', async () => {
    const base = await renderChartSvg(spec(2_500_000))
    expect(await renderChartSvg(spec(3_500_000))).not.toBe(base)
    const renamed = await renderChartSvg(spec(2_500_000, 'Spend and gross profit'))
    expect(renamed).toContain('Spend and gross profit')
    expect(renamed).not.toContain('费用与毛利')
  })
})
