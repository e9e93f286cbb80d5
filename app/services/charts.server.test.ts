import { describe, expect, it } from 'vitest'
import { presentational } from './charts.server'

describe('chart SVG for screen readers', () => {
  it('drops the marks’ own roles and hides the drawing behind the figure’s name', () => {
    const svg = '<svg class="marks" width="10" height="10"><g role="graphics-object" aria-roledescription="group mark container"><path role="graphics-symbol" aria-label="x: 1" d="M0"/></g></svg>'
    expect(presentational(svg)).toBe('<svg aria-hidden="true" focusable="false" class="marks" width="10" height="10"><g><path d="M0"/></g></svg>')
  })
})
