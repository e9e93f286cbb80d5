import { sql } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { executePrepared, getDb, openPostgres, rowsOf, type DbHandle } from '../db/client'

/**
 * The collector's write runs as a prepared statement on a Postgres server (one round trip a
 * batch, not drizzle's describe-then-run two): the same rows as `execute`, on both databases,
 * and on the server one statement kept per connection however often it runs.
 */
describe('a hot statement, prepared', () => {
  let own: DbHandle | undefined
  afterAll(async () => {
    await own?.close()
  })
  const query = (n: number, s: string) => sql`select ${n}::int + 1 as n, ${s}::text || '!' as s, ${JSON.stringify({ a: n })}::jsonb as j`

  it('gives the rows execute gives, values bound', async () => {
    const db = await getDb()
    expect(await executePrepared(db, query(1, "o'; drop table leads; --"))).toEqual([{ n: 2, s: "o'; drop table leads; --!", j: { a: 1 } }])
    expect(await executePrepared(db, query(41, '王'))).toEqual(rowsOf(await db.execute(query(41, '王'))))
  })

  it('on a Postgres server, is prepared once per connection and then only run', async () => {
    const url = process.env.TEST_DATABASE_URL
    const db = await getDb()
    if (!url) {
      // PGlite has no round trips to save: the plain path, checked above
      expect(typeof (db as unknown as { $client: { unsafe?: unknown } }).$client.unsafe).toBe('undefined')
      return
    }
    const name = rowsOf<{ name: string }>(await db.execute(sql`select current_database() as name`))[0]!.name
    const u = new URL(url)
    u.pathname = `/${name}`
    own = openPostgres(u.toString(), { max: 1 })
    for (let i = 0; i < 5; i++) expect(await executePrepared(own.db, query(i, 'x'))).toEqual([{ n: i + 1, s: 'x!', j: { a: i } }])
    const kept = rowsOf<{ n: number }>(await own.db.execute(sql`select count(*)::int as n from pg_prepared_statements where statement like '%::int + 1 as n%'`))
    expect(kept[0]!.n).toBe(1)
  })
})
