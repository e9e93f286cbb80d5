/**
 * What a loader's or an action's value becomes once sent to the browser as JSON: dates turn
 * into ISO strings, everything else keeps its shape. Components that take such data (a
 * preview, a list of jobs) type their props with it rather than with the server's types.
 */
export type Serialized<T> = T extends Date ? string : T extends Array<infer U> ? Array<Serialized<U>> : T extends object ? { [K in keyof T]: Serialized<T[K]> } : T
