import type { PGlite, Transaction as PgliteTx } from '@electric-sql/pglite'
import type { Sql, TransactionSql } from 'postgres'
import type { DbHandle } from '../client'

/**
 * What backup and restore need from Postgres, the same on PGlite and on a server: plain
 * queries with bound parameters, statements without parameters (migration SQL), and COPY
 * in both directions in the text format, all inside one transaction.
 *
 * COPY takes no bind parameters: values a COPY query needs (the keys that bound a chunk)
 * travel as transaction-local settings written with `set_config($1, $2, true)` and read by
 * `current_setting()` in the query, as the analytics sync does (ADR 013).
 */
export type BackupTx = {
  query<T extends Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>
  /** one statement, no parameters */
  exec(text: string): Promise<void>
  /** the rows of `select` (every column cast to text) in COPY's text format, handed over in pieces */
  copyOut(select: string, onData: (piece: Uint8Array) => void): Promise<void>
  /** `COPY <table> (<columns>) FROM …` in the text format, from whole lines */
  copyIn(target: string, data: Buffer): Promise<void>
}

export type BackupConnection = {
  kind: DbHandle['kind']
  /** runs `fn` in one transaction; `readOnlySnapshot`: one repeatable-read, read-only snapshot */
  transaction<T>(fn: (tx: BackupTx) => Promise<T>, options?: { readOnlySnapshot?: boolean }): Promise<T>
}

/** Session settings under which COPY text is written and read: unambiguous and exact whatever the server's defaults. */
const SETTINGS: Array<[string, string]> = [
  ['DateStyle', 'ISO, YMD'],
  ['IntervalStyle', 'postgres'],
  ['TimeZone', 'UTC'],
  ['extra_float_digits', '3'],
  ['bytea_output', 'hex'],
  ['client_encoding', 'UTF8'],
]

async function pinSettings(tx: Pick<BackupTx, 'query'>) {
  for (const [name, value] of SETTINGS) await tx.query('select set_config($1, $2, true)', [name, value])
}

function pgliteTx(tx: PgliteTx): BackupTx {
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await tx.query<T>(text, params)).rows,
    exec: async (text) => {
      await tx.exec(text)
    },
    async copyOut(select, onData) {
      const result = await tx.query(`copy (${select}) to '/dev/blob'`)
      if (result.blob) onData(new Uint8Array(await result.blob.arrayBuffer()))
    },
    async copyIn(target, data) {
      await tx.query(`copy ${target} from '/dev/blob'`, [], { blob: new Blob([new Uint8Array(data)]) })
    },
  }
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
export function escapeCopyText(value: string) {
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'))
}

function postgresTx(tx: TransactionSql): BackupTx {
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await tx.unsafe(text, params as never[])) as unknown as T[],
    exec: async (text) => {
      await tx.unsafe(text).simple()
    },
    async copyOut(select, onData) {
      // not `COPY … TO STDOUT`: postgres.js' COPY stream can leave the connection stalled after
      // it ends (it pauses the socket when the stream's buffer fills: porsager/postgres#917),
      // which hangs the next query. The select's columns are text already (see dump.ts), so
      // the rows are written as COPY text here, escaped as COPY escapes them.
      const rows = (await tx.unsafe(select).values()) as unknown as Array<Array<string | null>>
      const lines = rows.map((row) => row.map((v) => (v === null ? '\\N' : escapeCopyText(v))).join('\t') + '\n')
      if (lines.length) onData(Buffer.from(lines.join(''), 'utf8'))
    },
    async copyIn(target, data) {
      const stream = await tx.unsafe(`copy ${target} from stdin`).writable()
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject)
        stream.once('finish', resolve)
        stream.end(data)
      })
    },
  }
}

export function backupConnection(handle: DbHandle): BackupConnection {
  const client = (handle.db as unknown as { $client: unknown }).$client
  if (handle.kind === 'pglite') {
    const pg = client as PGlite
    return {
      kind: 'pglite',
      // one process holds the embedded database (db/lock.ts): nobody writes beside us, so a
      // plain transaction is already a consistent snapshot
      transaction: (fn) =>
        pg.transaction(async (raw) => {
          const tx = pgliteTx(raw)
          await pinSettings(tx)
          return fn(tx)
        }),
    }
  }
  const sql = client as Sql
  return {
    kind: 'postgres',
    transaction: async (fn, options = {}) => {
      const body = async (raw: TransactionSql) => {
        const tx = postgresTx(raw)
        await pinSettings(tx)
        return fn(tx)
      }
      // a server has other writers: the whole backup reads one snapshot
      const result = options.readOnlySnapshot ? await sql.begin('isolation level repeatable read read only', body) : await sql.begin(body)
      return result as Awaited<ReturnType<typeof fn>>
    },
  }
}

/** A quoted identifier (names come from the catalog, never from input). */
export function ident(name: string) {
  return `"${name.replace(/"/g, '""')}"`
}

export function qualified(schema: string, name: string) {
  return `${ident(schema)}.${ident(name)}`
}
