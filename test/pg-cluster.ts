import { execFile, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

/**
 * A throwaway Postgres cluster of the test's own (SPEC §8: the collect endpoint while
 * Postgres restarts): initdb in a temporary directory, trust authentication, listening on
 * 127.0.0.1 at a free port, stopped and started at will — never the shared server.
 *
 * Postgres refuses to run as root; when the tests run as root (CI), the binaries run as the
 * `postgres` user through runuser. PG_BIN names another directory of binaries.
 */
export const PG_BIN = process.env.PG_BIN || '/usr/lib/postgresql/15/bin'

const run = promisify(execFile)

function asPostgres(): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : []
}

let available: boolean | undefined

/** Whether this machine can start a cluster: the binaries are there and, as root, a `postgres` user to run them. */
export function pgBinariesAvailable(): boolean {
  if (available !== undefined) return available
  const binaries = ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(PG_BIN, b)))
  if (!binaries) return (available = false)
  const prefix = asPostgres()
  if (!prefix.length) return (available = true)
  const probe = spawnSync(prefix[0]!, [...prefix.slice(1), path.join(PG_BIN, 'pg_ctl'), '--version'], { timeout: 10_000 })
  return (available = probe.status === 0)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

export type PgCluster = {
  port: number
  dir: string
  /** a connection URL to one of the cluster's databases */
  url: (database?: string) => string
  /** starts the server and waits until it accepts connections */
  start: () => Promise<void>
  /** `pg_ctl stop -m immediate` by default: every backend dies at once, as in a crash */
  stop: (mode?: 'immediate' | 'fast') => Promise<void>
  running: () => boolean
  /** the server's log so far */
  log: () => string
  /** stops the server (if running) and removes the directory; safe to call twice */
  dispose: () => Promise<void>
}

/** initdb + start. The cluster belongs to the caller: dispose() it in afterAll. */
export async function startPgCluster(): Promise<PgCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-pg-'))
  const prefix = asPostgres()
  if (prefix.length) fs.chownSync(dir, uidOf('postgres'), gidOf('postgres'))
  const data = path.join(dir, 'data')
  const logFile = path.join(dir, 'server.log')
  const port = await freePort()
  const pg = (bin: string, args: string[], timeoutMs = 60_000) => {
    const [cmd, ...rest] = [...prefix, path.join(PG_BIN, bin), ...args]
    return run(cmd!, rest, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } })
  }
  let up = false
  const cluster: PgCluster = {
    port,
    dir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50`
      await pg('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '60', 'start'], 90_000)
      up = true
    },
    stop: async (mode = 'immediate') => {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'], 90_000)
      up = false
    },
    running: () => up,
    log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
    dispose: async () => {
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) await cluster.stop('immediate').catch(() => {})
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync'], 120_000)
    await cluster.start()
  } catch (error) {
    await cluster.dispose()
    throw error
  }
  return cluster
}

function uidOf(user: string) {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim())
}

function gidOf(user: string) {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim())
}
