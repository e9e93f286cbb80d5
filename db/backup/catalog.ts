import { z } from 'zod'
import { ident, qualified, type BackupTx } from './connection'

/**
 * What the backup reads from Postgres' catalog rather than from db/schema: the database
 * may be at an older migration level than this code, and it is the database's own tables
 * and columns that are dumped and loaded.
 */

/** The schema of the app's tables; drizzle keeps its migration log in its own. */
export const APP_SCHEMA = 'public'
export const MIGRATIONS_SCHEMA = 'drizzle'
export const MIGRATIONS_TABLE = '__drizzle_migrations'

/**
 * Tables whose rows are not kept: the change log of the analytical copy (ADR 013). Its
 * entries name transactions of the cluster they were written in, and the copy they feed
 * is rebuilt after a restore.
 */
export const DERIVED_TABLES = new Set([`${APP_SCHEMA}.sync_deletions`])

export type Column = { name: string; type: string }
export type TableInfo = {
  schema: string
  name: string
  /** the columns whose values are kept, in table order */
  columns: Column[]
  /** left out: generated columns (recomputed) and transaction ids (xid8: they mean nothing in another cluster) */
  omitted: string[]
  /** the primary key, in key order (empty: the table has none) */
  key: Column[]
}

const TableRow = z.object({
  schema: z.string(),
  name: z.string(),
  columns: z.array(z.object({ name: z.string(), type: z.string(), generated: z.boolean(), xid: z.boolean() })),
  key: z.array(z.object({ name: z.string(), type: z.string() })).nullable(),
})

export async function readTables(tx: BackupTx): Promise<TableInfo[]> {
  const rows = await tx.query(
    `select n.nspname as schema, c.relname as name,
       (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
                                          'generated', a.attgenerated <> '', 'xid', a.atttypid = 'xid8'::regtype) order by a.attnum)
          from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped) as columns,
       (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) order by k.ord)
          from pg_index i cross join lateral unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          where i.indrelid = c.oid and i.indisprimary) as key
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r' and not c.relispartition
       and (n.nspname = $1 or (n.nspname = $2 and c.relname = $3))
     order by n.nspname = $2 desc, c.relname`,
    [APP_SCHEMA, MIGRATIONS_SCHEMA, MIGRATIONS_TABLE],
  )
  return rows.map((raw) => {
    const row = TableRow.parse(raw)
    return {
      schema: row.schema,
      name: row.name,
      columns: row.columns.filter((c) => !c.generated && !c.xid).map(({ name, type }) => ({ name, type })),
      omitted: row.columns.filter((c) => c.generated || c.xid).map((c) => c.name),
      key: row.key ?? [],
    }
  })
}

export const tableId = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`

export type MigrationRow = { hash: string; createdAt: number }

/** The migrations drizzle recorded as applied, oldest first (none: a database never migrated). */
export async function readAppliedMigrations(tx: BackupTx): Promise<MigrationRow[]> {
  const [exists] = await tx.query<{ found: boolean }>(`select to_regclass($1) is not null as found`, [`${MIGRATIONS_SCHEMA}.${MIGRATIONS_TABLE}`])
  if (!exists?.found) return []
  const rows = await tx.query(`select hash, created_at::text as created_at from ${qualified(MIGRATIONS_SCHEMA, MIGRATIONS_TABLE)} order by created_at, id`)
  return rows.map((r) => z.object({ hash: z.string(), created_at: z.coerce.number() }).parse(r)).map((r) => ({ hash: r.hash, createdAt: r.created_at }))
}

export type SequenceInfo = { schema: string; name: string; lastValue: string | null; owner: { table: string; schema: string; column: string } | null }

export async function readSequences(tx: BackupTx): Promise<SequenceInfo[]> {
  const rows = await tx.query(
    `select n.nspname as schema, c.relname as name, s.last_value::text as last_value,
       (select json_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname)
          from pg_depend d join pg_class t on t.oid = d.refobjid join pg_namespace tn on tn.oid = t.relnamespace
          join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
          where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i') limit 1) as owner
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     left join pg_sequences s on s.schemaname = n.nspname and s.sequencename = c.relname
     where c.relkind = 'S' and n.nspname in ($1, $2)
     order by 1, 2`,
    [APP_SCHEMA, MIGRATIONS_SCHEMA],
  )
  return rows.map((raw) => {
    const r = z
      .object({
        schema: z.string(),
        name: z.string(),
        last_value: z.string().nullable(),
        owner: z.object({ schema: z.string(), table: z.string(), column: z.string() }).nullable(),
      })
      .parse(raw)
    return { schema: r.schema, name: r.name, lastValue: r.last_value, owner: r.owner }
  })
}

export type ForeignKey = { table: string; name: string; definition: string }

export async function readForeignKeys(tx: BackupTx): Promise<ForeignKey[]> {
  const rows = await tx.query(
    `select format('%I.%I', n.nspname, c.relname) as table, con.conname as name, pg_get_constraintdef(con.oid) as definition
     from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
     where con.contype = 'f' and n.nspname in ($1, $2) order by 1, 2`,
    [APP_SCHEMA, MIGRATIONS_SCHEMA],
  )
  return rows.map((r) => z.object({ table: z.string(), name: z.string(), definition: z.string() }).parse(r))
}

/** The app's tables that hold at least one row (drizzle's migration log does not count). */
export async function tablesWithRows(tx: BackupTx): Promise<string[]> {
  const tables = await tx.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = $1 order by 1`, [APP_SCHEMA])
  const found: string[] = []
  for (const { name } of tables) {
    const [row] = await tx.query<{ any: boolean }>(`select exists (select 1 from ${qualified(APP_SCHEMA, name)}) as any`)
    if (row?.any) found.push(name)
  }
  return found
}

/**
 * Empties the app's schemas before a restore: drizzle's migration log, and every table,
 * view, sequence, routine and type in the app schema (what `drop schema public cascade`
 * would do, without needing to own the schema). Extensions stay.
 */
export async function dropAppObjects(tx: BackupTx) {
  await tx.exec(`drop schema if exists ${ident(MIGRATIONS_SCHEMA)} cascade`)
  const notExtension = (classid: string, oid: string) =>
    `not exists (select 1 from pg_depend d where d.classid = '${classid}'::regclass and d.objid = ${oid} and d.deptype = 'e')`
  const views = await tx.query<{ name: string; kind: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relkind in ('v', 'm') and ${notExtension('pg_class', 'c.oid')}`,
    [APP_SCHEMA],
  )
  for (const v of views) await tx.exec(`drop ${v.kind === 'm' ? 'materialized view' : 'view'} if exists ${v.name} cascade`)
  const relations = await tx.query<{ name: string; kind: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relkind in ('r', 'p', 'S') and ${notExtension('pg_class', 'c.oid')} order by c.relkind <> 'S' desc`,
    [APP_SCHEMA],
  )
  for (const r of relations) await tx.exec(`drop ${r.kind === 'S' ? 'sequence' : 'table'} if exists ${r.name} cascade`)
  const routines = await tx.query<{ name: string }>(
    `select format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)) as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname = $1 and ${notExtension('pg_proc', 'p.oid')}`,
    [APP_SCHEMA],
  )
  for (const r of routines) await tx.exec(`drop routine if exists ${r.name} cascade`)
  const types = await tx.query<{ name: string; kind: string }>(
    `select format('%I.%I', n.nspname, t.typname) as name, t.typtype::text as kind from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where n.nspname = $1 and t.typtype in ('e', 'd', 'r', 'c') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
       and ${notExtension('pg_type', 't.oid')}`,
    [APP_SCHEMA],
  )
  for (const t of types) await tx.exec(`drop ${t.kind === 'd' ? 'domain' : 'type'} if exists ${t.name} cascade`)
}
