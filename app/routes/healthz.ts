import { sql } from 'drizzle-orm'
import { getDbHandle } from '../../db/client'

/** For load balancers and orchestrators: 200 when the database answers, 503 otherwise. */
export async function loader() {
  const started = Date.now()
  try {
    const handle = await getDbHandle()
    await handle.db.execute(sql`select 1`)
    return Response.json(
      { status: 'ok', database: handle.kind, ms: Date.now() - started },
      { headers: { 'Cache-Control': 'no-store' } },
    )
  } catch (error) {
    return Response.json(
      { status: 'unavailable', error: error instanceof Error ? error.message : String(error) },
      { status: 503, headers: { 'Cache-Control': 'no-store' } },
    )
  }
}
