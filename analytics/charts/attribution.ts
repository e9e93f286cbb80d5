import type { TopLevelSpec } from 'vega-lite'

/**
 * The charts of the channel page (SPEC §4): every spec takes its rows already labelled in the
 * reader's language, and the same rows are what the chart's data download holds.
 */

export type CreditRow = { key: string; label: string; conversions: number; low: number; high: number }

/** One model's credits per channel as bars, each with its 90% interval as a rule. */
export function creditsSpec(rows: readonly CreditRow[], o: { font: string; title: string; axis: string }): TopLevelSpec {
  const y = { field: 'label', type: 'nominal' as const, sort: { field: 'conversions', order: 'descending' as const }, title: null }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: { step: 24 },
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r })) },
    layer: [
      { mark: { type: 'bar', color: '#1677ff', cornerRadiusEnd: 2 }, encoding: { y, x: { field: 'conversions', type: 'quantitative', title: o.axis } } },
      { mark: { type: 'rule', color: '#0b2a55', strokeWidth: 1.5 }, encoding: { y, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
      {
        mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#333' },
        encoding: { y, x: { field: 'high', type: 'quantitative' }, text: { field: 'conversions', type: 'quantitative', format: '.1f' } },
      },
    ],
  }
}

export type BucketRow = { bucket: string; conversions: number }

/** Conversions per bucket (path length, days to convert) as columns, in the given order. */
export function bucketsSpec(rows: readonly BucketRow[], o: { font: string; title: string; axis: string }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 340,
    height: 160,
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar', color: '#52c41a' },
    encoding: {
      x: { field: 'bucket', type: 'ordinal', sort: null, title: o.axis, axis: { labelAngle: 0 } },
      y: { field: 'conversions', type: 'quantitative', title: null },
    },
  }
}

export type AttainmentRow = { label: string; percent: number }

/** Each target's attainment as a bar, with a rule at 100%: the evaluation's one-glance chart. */
export function attainmentSpec(rows: readonly AttainmentRow[], o: { font: string; title: string }): TopLevelSpec {
  const y = { field: 'label', type: 'nominal' as const, sort: null, title: null }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: { step: 24 },
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r, met: r.percent >= 100 })) },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          y,
          x: { field: 'percent', type: 'quantitative', title: '%' },
          color: { field: 'met', type: 'nominal', scale: { domain: [true, false], range: ['#52c41a', '#faad14'] }, legend: null },
        },
      },
      { mark: { type: 'rule', color: '#333', strokeDash: [4, 3] }, encoding: { x: { datum: 100 } } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11 }, encoding: { y, x: { field: 'percent', type: 'quantitative' }, text: { field: 'percent', type: 'quantitative', format: '.0f' } } },
    ],
  }
}

export type TrendRow = { month: string; series: string; fen: number }

/** Spend against gross profit per month, side by side (yuan on the axis). */
export function trendSpec(rows: readonly TrendRow[], o: { font: string; title: string; axis: string }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: 180,
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 }, legend: { orient: 'top', title: null } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r, yuan: r.fen / 100 })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'month', type: 'ordinal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'series' },
      y: { field: 'yuan', type: 'quantitative', title: o.axis },
      color: { field: 'series', type: 'nominal', scale: { range: ['#faad14', '#1677ff'] } },
    },
  }
}
