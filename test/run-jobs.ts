import { eq } from 'drizzle-orm'
import { getDb } from '../db/client'
import { jobs } from '../db/schema'
import { JobRunner } from '../app/services/jobs-runner.server'

/** Runs the queued jobs in this process until these are done or failed; answers their rows. */
export async function runJobs(jobIds: string[]) {
  const runner = new JobRunner({ pollMs: 50, heartbeatMs: 1000, progressEveryMs: 10 })
  await runner.start()
  try {
    const db = await getDb()
    for (let i = 0; i < 1200; i++) {
      const rows = await Promise.all(jobIds.map(async (id) => (await db.select().from(jobs).where(eq(jobs.id, id)))[0]!))
      if (rows.every((j) => j.status === 'done' || j.status === 'failed')) return rows
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('the jobs did not finish')
  } finally {
    await runner.stop()
  }
}
