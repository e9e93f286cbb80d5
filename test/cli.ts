import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { wrapPglite, createPglite } from '../db/client'
import { dealerGroups, stores } from '../db/schema'
import { TEMPLATE_FILE } from './setup/databases'

/**
 * The command-line tests' pieces: an embedded database for `npm run import` to open, and the
 * command started as npm would start it.
 *
 * A migrated embedded database under DIR/pg holding one store by the given name: a copy of
 * the tests' migrated template when there is one (no initdb, no migrations to run).
 */
export async function embeddedDatabase(dir: string, store: { name: string; city: string }) {
  const template = fs.existsSync(TEMPLATE_FILE) ? new Blob([fs.readFileSync(TEMPLATE_FILE)]) : undefined
  const handle = wrapPglite(await createPglite({ dataDir: path.join(dir, 'pg'), ...(template ? { loadDataDir: template } : {}) }))
  try {
    if (!template) await handle.migrate()
    const [group] = await handle.db.insert(dealerGroups).values({ name: '演示经销商集团' }).returning()
    await handle.db.insert(stores).values({ groupId: group!.id, name: store.name, brand: '大众', city: store.city })
  } finally {
    await handle.close()
  }
}

/** `npm run import -- ARGS`, started as npm would (node with tsx's loader), without npm's own start-up. */
export function startCli(args: string[], env: NodeJS.ProcessEnv) {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
}

export function runCli(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = startCli(args, env)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
