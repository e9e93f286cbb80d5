/**
 * Deterministic randomness for the data generator: every value is a pure function of the
 * seed, a stream name and an index, so any part of the data (lead 1,234,567's phone, its
 * journey, the sale it led to) can be made again without keeping the rest in memory, and
 * the same seed always makes the same data.
 */

/** 32-bit mix (the finaliser of MurmurHash3, applied twice with the inputs folded in). */
function mix(h: number) {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

function streamId(name: string) {
  let h = 0x811c9dc5
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
  return h >>> 0
}

export type Random = {
  /** uniform in [0, 1) */
  u: (stream: string, i: number, j?: number) => number
  /** integer in [0, n) */
  int: (stream: string, n: number, i: number, j?: number) => number
  pick: <T>(stream: string, items: readonly T[], i: number, j?: number) => T
  /** an item by weight: [[item, weight], …] */
  weighted: <T>(stream: string, table: readonly (readonly [T, number])[], i: number, j?: number) => T
  /** a UUID (version 4 layout) made from the stream and index */
  uuid: (stream: string, i: number) => string
}

export function createRandom(seed: number): Random {
  const streams = new Map<string, number>()
  const sid = (name: string) => {
    let id = streams.get(name)
    if (id === undefined) streams.set(name, (id = streamId(name)))
    return id
  }
  const bits = (stream: string, i: number, j = 0) => {
    const lo = i >>> 0
    const hi = Math.floor(i / 4294967296) >>> 0
    return mix(mix(mix(seed ^ sid(stream)) ^ lo) ^ mix(hi + 0x9e3779b9 * (j + 1)))
  }
  const u = (stream: string, i: number, j = 0) => bits(stream, i, j) / 4294967296
  const int = (stream: string, n: number, i: number, j = 0) => Math.floor(u(stream, i, j) * n)
  const hex = (stream: string, i: number, part: number) => bits(stream, i, part).toString(16).padStart(8, '0')
  return {
    u,
    int,
    pick: (stream, items, i, j = 0) => items[int(stream, items.length, i, j)]!,
    weighted(stream, table, i, j = 0) {
      let total = 0
      for (const [, w] of table) total += w
      let x = u(stream, i, j) * total
      for (const [item, w] of table) {
        if (x < w) return item
        x -= w
      }
      return table[table.length - 1]![0]
    },
    uuid(stream, i) {
      const h = hex(stream, i, 1) + hex(stream, i, 2) + hex(stream, i, 3) + hex(stream, i, 4)
      const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`
    },
  }
}
