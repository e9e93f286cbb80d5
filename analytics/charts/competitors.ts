import type { TopLevelSpec } from 'vega-lite'

/**
 * The charts of competitor intelligence (SPEC §5): every spec takes its rows already labelled in
 * the reader's language, and the same rows are what the chart's data download holds.
 */

export type PriceRow = { month: string; label: string; side: string; ours: boolean; yuan: number; n: number }

/**
 * Price position: each model's median transaction price per month as a line, ours solid and
 * thick, the competitors' dashed — where our price sits among theirs, month by month.
 */
export function pricePositionSpec(rows: readonly PriceRow[], o: { font: string; title: string; axis: string }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: 260,
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 }, legend: { orient: 'right', title: null, labelLimit: 160 } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'line', point: true, interpolate: 'monotone' },
    encoding: {
      x: { field: 'month', type: 'ordinal', sort: 'ascending', title: null, axis: { labelAngle: 0 } },
      y: { field: 'yuan', type: 'quantitative', title: o.axis, scale: { zero: false }, axis: { format: ',.0f' } },
      color: { field: 'label', type: 'nominal', sort: { field: 'ours', order: 'descending' } },
      strokeDash: { field: 'side', type: 'nominal', legend: null },
      strokeWidth: { condition: { test: 'datum.ours', value: 3 }, value: 1.5 },
      tooltip: [
        { field: 'label', type: 'nominal' },
        { field: 'month', type: 'ordinal' },
        { field: 'yuan', type: 'quantitative', format: ',.0f' },
        { field: 'n', type: 'quantitative' },
      ],
    },
  }
}

export type PromotionBar = { row: string; side: string; ours: boolean; start: string; endExclusive: string; detail: string }

/**
 * Promotion timeline: the competitors' promotions (by model) against our campaigns, one bar per
 * row over the period — which of theirs ran while ours did. Calendar days: UTC time scales.
 */
export function promotionTimelineSpec(rows: readonly PromotionBar[], o: { font: string; title: string; from: string; toExclusive: string; ourLabel: string; theirLabel: string }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: { step: 24 },
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, gridColor: '#eef0f3' }, legend: { orient: 'bottom', title: null } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar', cornerRadius: 3, height: 14, clip: true },
    encoding: {
      y: { field: 'row', type: 'nominal', sort: null, title: null, axis: { labelLimit: 240 } },
      x: {
        field: 'start',
        type: 'temporal',
        title: null,
        scale: { type: 'utc', domain: [Date.parse(`${o.from}T00:00:00Z`), Date.parse(`${o.toExclusive}T00:00:00Z`)] },
        axis: { format: '%-m/%-d', orient: 'top', grid: true },
      },
      x2: { field: 'endExclusive' },
      color: { field: 'side', type: 'nominal', scale: { domain: [o.ourLabel, o.theirLabel], range: ['#1d4ed8', '#f59e0b'] } },
      tooltip: [{ field: 'row', type: 'nominal' }, { field: 'detail', type: 'nominal' }],
    },
  }
}

export type LostBar = { label: string; reason: string; leads: number }

/** Conquest: leads lost per competitor model as stacked bars, one colour per reason given. */
export function conquestSpec(rows: readonly LostBar[], o: { font: string; title: string; axis: string }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: { step: 24 },
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 }, legend: { orient: 'bottom', title: null } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 200 } },
      x: { field: 'leads', type: 'quantitative', aggregate: 'sum', title: o.axis, axis: { tickMinStep: 1, format: 'd' } },
      color: { field: 'reason', type: 'nominal' },
      tooltip: [{ field: 'label', type: 'nominal' }, { field: 'reason', type: 'nominal' }, { field: 'leads', type: 'quantitative' }],
    },
  }
}

export type TradeInBar = { label: string; buyers: number }

/** Conquest's other half: our buyers by the competitor's car they traded in, as bars. */
export function tradeInSpec(rows: readonly TradeInBar[], o: { font: string; title: string; axis: string }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: { step: 24 },
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar', cornerRadiusEnd: 2, color: '#0f766e' },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 200 } },
      x: { field: 'buyers', type: 'quantitative', title: o.axis, axis: { tickMinStep: 1, format: 'd' } },
      tooltip: [{ field: 'label', type: 'nominal' }, { field: 'buyers', type: 'quantitative' }],
    },
  }
}

export type ShareBar = { month: string; label: string; ours: boolean; units: number; share: number; rank: number }

/**
 * Market share: one bar per month holding the segment's units, each model its part of it (the
 * bar normalised to 100%), in the same place every month (`rank`: our models first, at the
 * bottom) — how our part moves month by month.
 */
export function marketShareSpec(rows: readonly ShareBar[], o: { font: string; title: string; axis: string }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 640,
    height: 260,
    config: { font: o.font, view: { stroke: null }, axis: { labelFontSize: 12, titleFontSize: 12 }, legend: { orient: 'right', title: null, labelLimit: 160 } },
    title: { text: o.title, anchor: 'start', fontSize: 14 },
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'month', type: 'ordinal', sort: 'ascending', title: null, axis: { labelAngle: 0 } },
      y: { field: 'units', type: 'quantitative', stack: 'normalize', title: o.axis, axis: { format: '.0%' } },
      color: { field: 'label', type: 'nominal', sort: { field: 'rank', order: 'ascending' } },
      order: { field: 'rank', type: 'quantitative' },
      opacity: { condition: { test: 'datum.ours', value: 1 }, value: 0.65 },
      tooltip: [
        { field: 'label', type: 'nominal' },
        { field: 'month', type: 'ordinal' },
        { field: 'units', type: 'quantitative', format: ',d' },
        { field: 'share', type: 'quantitative', format: '.1%' },
      ],
    },
  }
}
