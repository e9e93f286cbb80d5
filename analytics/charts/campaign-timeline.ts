import type { TopLevelSpec } from 'vega-lite'

export type TimelineItem = {
  id: string
  name: string
  storeName: string
  status: string
  statusLabel: string
  warmupStart: string | null
  startDate: string
  endDate: string
}

export type TimelineOptions = {
  from: string
  to: string
  today: string
  /** status label → colour, in legend order */
  palette: Array<{ label: string; color: string }>
  font: string
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)

/**
 * A Gantt-style timeline of campaigns: one row per campaign, the warm-up as a pale
 * bar before the campaign's own bar, coloured by status, today as a dashed rule.
 * Days are calendar days, so every time scale is UTC (no server time-zone shift).
 */
export function campaignTimelineSpec(items: TimelineItem[], o: TimelineOptions): TopLevelSpec {
  const values = items.map((c, i) => ({
    row: `${i + 1}. ${c.name}`,
    store: c.storeName,
    status: c.statusLabel,
    warmup: c.warmupStart && c.warmupStart < c.startDate ? c.warmupStart : null,
    start: c.startDate,
    endExclusive: nextDay(c.endDate),
    url: `/campaigns/${c.id}`,
  }))
  const x = {
    type: 'temporal' as const,
    title: null,
    scale: { type: 'utc' as const },
    axis: { format: '%-m/%-d', orient: 'top' as const, grid: true, labelFontSize: 11 },
  }
  // the period shown is set once, on the campaigns' own bars; the other layers share that scale
  const period = {
    ...x,
    scale: {
      type: 'utc' as const,
      domain: [Date.parse(`${o.from}T00:00:00Z`), Date.parse(`${nextDay(o.to)}T00:00:00Z`)],
    },
  }
  const y = {
    field: 'row',
    type: 'nominal' as const,
    sort: null,
    title: null,
    axis: { labelLimit: 260, labelFontSize: 12 },
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 760,
    height: { step: 26 },
    data: { values },
    config: {
      font: o.font,
      view: { stroke: null },
      axis: { domainColor: '#cfd4dc', gridColor: '#eef0f3', tickColor: '#cfd4dc', labelColor: '#4b5563' },
      legend: { labelFontSize: 12, orient: 'bottom', title: null },
    },
    layer: [
      {
        transform: [{ filter: 'datum.warmup != null' }],
        mark: { type: 'bar', cornerRadius: 3, opacity: 0.3, height: 14, clip: true },
        encoding: {
          y,
          x: { field: 'warmup', ...x },
          x2: { field: 'start' },
          color: { field: 'status', type: 'nominal', scale: { domain: o.palette.map((p) => p.label), range: o.palette.map((p) => p.color) } },
          href: { field: 'url' },
        },
      },
      {
        mark: { type: 'bar', cornerRadius: 3, height: 14, clip: true },
        encoding: {
          y,
          x: { field: 'start', ...period },
          x2: { field: 'endExclusive' },
          color: {
            field: 'status',
            type: 'nominal',
            scale: { domain: o.palette.map((p) => p.label), range: o.palette.map((p) => p.color) },
          },
          href: { field: 'url' },
          tooltip: [{ field: 'row' }, { field: 'store' }, { field: 'status' }],
        },
      },
      {
        data: { values: [{ today: o.today }] },
        mark: { type: 'rule', color: '#c2410c', strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x: { field: 'today', ...x } },
      },
    ],
  }
}
