import { lt } from 'drizzle-orm'
import { getDb } from '../../db/client'
import { loginAttempts, sessions } from '../../db/schema'
import { forgetFinishedUndo } from './lead-import-apply.server'
import { describeError, log } from '../utils/logger.server'

/** Sign-in attempts are kept a day: the throttle looks back 15 minutes, the audit log keeps the sign-ins. */
export const LOGIN_ATTEMPTS_KEPT_HOURS = 24
const EVERY_MS = 60 * 60_000

/**
 * Removes what has served its purpose: expired sessions, old sign-in attempts (which hold
 * email addresses and client addresses) and the undo logs of finished lead imports. Each is an
 * indexed delete (the undo logs a batch at a time), so no long transaction.
 */
export async function pruneExpired(now = new Date()) {
  const db = await getDb()
  // the undo log of a lead import that ended while its process stopped (it holds leads as they were)
  const leadImportUndo = await forgetFinishedUndo(db)
  const expiredSessions = await db.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.idHash })
  const oldAttempts = await db
    .delete(loginAttempts)
    .where(lt(loginAttempts.at, new Date(now.getTime() - LOGIN_ATTEMPTS_KEPT_HOURS * 3600_000)))
    .returning({ id: loginAttempts.id })
  return { sessions: expiredSessions.length, loginAttempts: oldAttempts.length, leadImportUndo }
}

let timer: NodeJS.Timeout | undefined

/** Prunes now and then every hour while the server runs (server start-up calls this). */
export function startHousekeeping() {
  const run = () =>
    pruneExpired().then(
      (removed) => {
        if (removed.sessions || removed.loginAttempts || removed.leadImportUndo) log('info', 'housekeeping', { removed })
      },
      (error) => log('warn', 'housekeeping failed', { error: describeError(error) }),
    )
  void run()
  timer ??= setInterval(run, EVERY_MS)
  timer.unref()
}

export function stopHousekeeping() {
  if (timer) clearInterval(timer)
  timer = undefined
}
