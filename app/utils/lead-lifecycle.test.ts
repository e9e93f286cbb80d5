import { describe, expect, it } from 'vitest'
import { atLeast, canMove, nextStatuses, reopensOnArrival } from './lead-lifecycle'

describe('the lead lifecycle', () => {
  it('moves forward, skipping steps if need be, or to lost', () => {
    expect(nextStatuses('new')).toEqual(['contacted', 'visited', 'test_drive', 'ordered', 'delivered', 'lost'])
    expect(nextStatuses('ordered')).toEqual(['delivered', 'lost'])
    expect(canMove('visited', 'contacted')).toBe(false)
    expect(canMove('new', 'new')).toBe(false)
  })

  it('ends at delivery, and a lost lead is reopened as contacted only', () => {
    expect(nextStatuses('delivered')).toEqual([])
    expect(nextStatuses('lost')).toEqual(['contacted'])
  })

  it('a visit lifts a lead to at least visited, never back', () => {
    expect(atLeast('new', 'visited')).toBe('visited')
    expect(atLeast('ordered', 'visited')).toBe('ordered')
    expect(atLeast('visited', 'test_drive')).toBe('test_drive')
    expect(atLeast('lost', 'visited')).toBe('visited')
  })

  it('a delivered or lost person who arrives again starts a new opportunity; an open lead does not', () => {
    expect(reopensOnArrival('delivered')).toBe(true)
    expect(reopensOnArrival('lost')).toBe(true)
    for (const open of ['new', 'contacted', 'visited', 'test_drive', 'ordered'] as const) expect(reopensOnArrival(open)).toBe(false)
  })
})
