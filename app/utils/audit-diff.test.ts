import { describe, expect, it } from 'vitest'
import { auditChanges } from './audit-diff'

describe('auditChanges', () => {
  it('lists only the keys an update changed', () => {
    const before = { id: 'u1', name: 'Li', role: 'sales', storeIds: ['a'], active: true }
    const after = { name: 'Li Lei', role: 'sales', storeIds: ['a', 'b'], active: true }
    expect(auditChanges(before, after)).toEqual([
      { key: 'name', before: 'Li', after: 'Li Lei' },
      { key: 'storeIds', before: ['a'], after: ['a', 'b'] },
    ])
  })

  it('shows every field of a creation and of a deletion', () => {
    expect(auditChanges(null, { name: 'Li' })).toEqual([{ key: 'name', before: undefined, after: 'Li' }])
    expect(auditChanges({ name: 'Li' }, null)).toEqual([{ key: 'name', before: 'Li', after: undefined }])
  })

  it('ignores key order inside nested objects and has nothing to say about empty entries', () => {
    expect(auditChanges({ x: { a: 1, b: 2 } }, { x: { b: 2, a: 1 } })).toEqual([])
    expect(auditChanges(null, null)).toEqual([])
  })
})
