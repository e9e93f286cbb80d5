import { sql } from 'drizzle-orm'
import { getDbHandle } from '../../db/client'
import { describeError, log } from '../utils/logger.server'

/**
 * For load balancers and orchestrators: 200 when the database answers, 503 otherwise. It says
 * up or down and nothing more (anyone may ask); why it is down goes to the log.
 */
export async function loader() {
  const headers = { 'Cache-Control': 'no-store' }
  try {
    const handle = await getDbHandle()
    await handle.db.execute(sql`select 1`)
    return Response.json({ status: 'ok' }, { headers })
  } catch (error) {
    log('error', 'health check: database unavailable', { error: describeError(error) })
    return Response.json({ status: 'unavailable' }, { status: 503, headers })
  }
}
