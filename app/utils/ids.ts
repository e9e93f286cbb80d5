/** Record ids (uuid) as they come from addresses and forms. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Whether the value is a uuid: anything else is no record's id, and is answered as "not found". */
export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID.test(v)

/**
 * A store id no store has: `inArray(storeId, ids.length ? ids : [NO_STORE])` reads nothing for a
 * user without stores (an empty IN list is not SQL).
 */
export const NO_STORE = '00000000-0000-0000-0000-000000000000'
