/** One changed field of an audit entry. */
export type AuditChange = { key: string; before: unknown; after: unknown }

type Json = Record<string, unknown>
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** JSON with object keys in a stable order, so that equal values compare equal. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      isRecord(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, v[k]])
          )
        : v
    ) ?? 'undefined'
  )
}

/**
 * The fields an entry changed: for an update the keys of `after` whose value differs from
 * `before` (keys only in `before`, such as the id, were not part of the change); for a
 * creation every field of `after`; for a deletion every field of `before`.
 */
export function auditChanges(before: unknown, after: unknown): AuditChange[] {
  if (before == null && after == null) return []
  if (!isRecord(before) && !isRecord(after)) {
    return canonical(before) === canonical(after) ? [] : [{ key: '', before, after }]
  }
  const b = isRecord(before) ? before : {}
  const a = isRecord(after) ? after : {}
  const keys = isRecord(after) ? Object.keys(a) : Object.keys(b)
  return keys
    .filter((key) => canonical(b[key]) !== canonical(a[key]))
    .map((key) => ({ key, before: b[key], after: a[key] }))
}
