/**
 * The end-to-end harness: the production build served by a real `node server.js`
 * on a fresh data directory (so the demo dealer group is seeded), driven by Debian's
 * Chromium through playwright-core.
 *
 * A test file calls `setupE2E()` once at top level; it starts one server and one browser
 * for the file (beforeAll) and stops both after it (afterAll). Then:
 *
 * ```ts
 * import { describe, expect, it } from 'vitest'
 * import { expectHeading, newPage, setupE2E, signIn } from './harness'
 *
 * const e2e = setupE2E()
 *
 * it('a specialist sees the campaign list', async () => {
 *   const page = await newPage('zh-CN')            // Accept-Language: zh-CN
 *   await signIn(page, 'specialist@roadshow.demo') // demo password
 *   await expectHeading(page, '活动策划')
 *   e2e.server.url                                // http://127.0.0.1:<port>
 * })
 * ```
 *
 * Every page of a file shares that file's server and database, so tests that change data
 * should create what they need (a campaign with a unique name) rather than rely on
 * another test's leftovers. Each file gets a new database; files run one at a time.
 * The build is made once per run by global-setup.ts.
 *
 * Environment: CHROMIUM_PATH (default /usr/bin/chromium), E2E_REBUILD=1 (force a build),
 * E2E_SERVER_LOGS=1 (echo the server's JSON log lines while tests run).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import postgres from 'postgres'
import { afterAll, beforeAll } from 'vitest'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..')

export const DEMO_PASSWORD = 'roadshow-demo'

/** The demo accounts seeded on a fresh embedded database (db/seed.ts). */
export const DEMO_USERS = {
  admin: 'admin@roadshow.demo',
  manager: 'manager@roadshow.demo',
  specialist: 'specialist@roadshow.demo',
  specialistNingbo: 'specialist.nb@roadshow.demo',
  sales: 'sales@roadshow.demo',
  executive: 'exec@roadshow.demo',
} as const

export const DEMO_STORES = { hangzhou: '杭州西湖大众4S店', ningbo: '宁波鄞州大众4S店' } as const

export type E2ELocale = 'zh-CN' | 'en'

/** The login form's accessible names, per interface language (app/i18n). */
export const LOGIN_LABELS: Record<E2ELocale, { email: string; password: string; submit: string }> = {
  'zh-CN': { email: '邮箱', password: '密码', submit: '登录' },
  en: { email: 'Email', password: 'Password', submit: 'Sign in' },
}

// ---------------------------------------------------------------------------------------
// The server

export type ServerProcess = {
  child: ChildProcess
  port: number
  url: string
  dataDir: string
  /** everything the process wrote to stdout and stderr so far */
  output: () => string
  /** resolves with the exit code (or the signal name) once the process has ended */
  exited: Promise<number | string>
}

export type RoadshowServer = ServerProcess & {
  /** SIGTERM, then SIGKILL after 10 s; removes the data directory unless it was given */
  stop: () => Promise<void>
}

export async function freePort(): Promise<number> {
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

export function makeDataDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-e2e-'))
}

/**
 * The Node options `npm start` gives the server (package.json), so that the tests and the
 * benchmark run it as production does: `node --max-old-space-size=384 server.js` → the flags.
 */
export function startFlags(): string[] {
  const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  const words = scripts.start!.trim().split(/\s+/)
  if (words[0] !== 'node' || words[words.length - 1] !== 'server.js') throw new Error(`npm start is not "node … server.js": ${scripts.start}`)
  return words.slice(1, -1)
}

/**
 * Spawns `node server.js` from the repository root with the production build, with the
 * options `npm start` gives it.
 * It does not wait for anything: use `startServer` for a server to test against,
 * or this to watch a process that is expected to refuse to start.
 */
export async function spawnServer(
  options: { dataDir?: string; port?: number; env?: Record<string, string | undefined>; nodeFlags?: string[] } = {},
): Promise<ServerProcess> {
  const port = options.port ?? (await freePort())
  const dataDir = options.dataDir ?? makeDataDir()
  // the test runner's own variables stay out; the embedded database and the default
  // seeding apply unless `env` says otherwise
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['DATABASE_URL', 'SEED_DEMO', 'VITEST', 'VITEST_MODE', 'VITEST_POOL_ID', 'VITEST_WORKER_ID']) {
    delete env[name]
  }
  Object.assign(env, {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...options.env,
  })

  const child = spawn(process.execPath, [...startFlags(), ...(options.nodeFlags ?? []), 'server.js'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const echo = process.env.E2E_SERVER_LOGS === '1'
  const collect = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
    output += chunk.toString('utf8')
    if (echo) stream.write(`[server :${port}] ${chunk.toString('utf8')}`)
  }
  child.stdout!.on('data', collect(process.stdout))
  child.stderr!.on('data', collect(process.stderr))
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  })
  return { child, port, url: `http://127.0.0.1:${port}`, dataDir, output: () => output, exited }
}

/** Resolves with the exit code, or rejects when the process is still running after `ms`. */
export async function waitForExit(server: ServerProcess, ms = 60_000) {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`server on :${server.port} still running after ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([server.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function waitForHealth(server: ServerProcess, ms: number) {
  const deadline = Date.now() + ms
  let ended: number | string | undefined
  void server.exited.then((code) => (ended = code))
  let last = 'no answer yet'
  while (Date.now() < deadline) {
    if (ended !== undefined) {
      throw new Error(`server exited (${ended}) before it was healthy:\n${server.output()}`)
    }
    try {
      const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(2_000) })
      if (res.status === 200) return
      last = `GET /healthz answered ${res.status}: ${await res.text()}`
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`server on :${server.port} not healthy after ${ms} ms (${last}):\n${server.output()}`)
}

async function stopProcess(server: ServerProcess) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return
  server.child.kill('SIGTERM')
  const killer = setTimeout(() => server.child.kill('SIGKILL'), 10_000)
  await server.exited
  clearTimeout(killer)
}

/**
 * Starts the production server on a free port and waits until GET /healthz answers 200.
 * With no `dataDir`, a fresh temporary one is made: the first start migrates and seeds
 * the demo dealer group (a few seconds), and `stop()` removes the directory.
 */
export async function startServer(
  options: { dataDir?: string; env?: Record<string, string | undefined>; healthTimeoutMs?: number } = {},
): Promise<RoadshowServer> {
  const ownDir = !options.dataDir
  const server = await spawnServer(options)
  const stop = async () => {
    await stopProcess(server)
    if (ownDir) fs.rmSync(server.dataDir, { recursive: true, force: true })
  }
  try {
    await waitForHealth(server, options.healthTimeoutMs ?? 90_000)
  } catch (error) {
    await stop()
    throw error
  }
  return { ...server, stop }
}

// ---------------------------------------------------------------------------------------
// The browser

/**
 * Debian's Chromium, headless. playwright-core gives every launch a fresh temporary
 * user-data-dir (and removes it on close), so no profile state leaks between runs.
 * A context's `locale` sets Accept-Language and Intl in the page; the browser's own
 * widgets (the empty date input's mm/dd/yyyy) stay in Chromium's default language.
 */
export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    timeout: 60_000,
  })
}

// ---------------------------------------------------------------------------------------
// Per-file set-up and the helpers tests use

type State = { server?: RoadshowServer; browser?: Browser; contexts: BrowserContext[] }
const state: State = { contexts: [] }
const pageErrors = new WeakMap<Page, Error[]>()

export type E2E = { readonly server: RoadshowServer; readonly browser: Browser }

/**
 * Call once at the top of a test file: a server on a fresh database and a browser for
 * the file, both stopped after its last test. Pass `server` options to start it
 * differently (another environment, an existing data directory).
 */
export function setupE2E(options: { server?: Parameters<typeof startServer>[0] } = {}): E2E {
  beforeAll(async () => {
    const [server, browser] = await Promise.all([startServer(options.server), launchBrowser()])
    state.server = server
    state.browser = browser
  })
  afterAll(async () => {
    for (const context of state.contexts.splice(0)) await context.close().catch(() => {})
    await state.browser?.close().catch(() => {})
    await state.server?.stop()
    state.browser = undefined
    state.server = undefined
  })
  return {
    get server() {
      if (!state.server) throw new Error('setupE2E(): the server is not running (use it inside a test)')
      return state.server
    },
    get browser() {
      if (!state.browser) throw new Error('setupE2E(): the browser is not running (use it inside a test)')
      return state.browser
    },
  }
}

/**
 * A page in a new browser context (its own cookies) whose browser speaks `locale`:
 * Chromium sends it as Accept-Language, so the app answers in that language.
 * Relative URLs resolve against the server: `page.goto('/campaigns')`.
 */
export async function newPage(locale: E2ELocale = 'zh-CN', options: { viewport?: { width: number; height: number } } = {}) {
  if (!state.browser || !state.server) throw new Error('newPage(): call setupE2E() at the top of the test file')
  const context = await state.browser.newContext({
    locale,
    baseURL: state.server.url,
    timezoneId: 'Asia/Shanghai',
    viewport: options.viewport ?? { width: 1280, height: 800 },
  })
  context.setDefaultTimeout(15_000)
  state.contexts.push(context)
  const page = await context.newPage()
  const errors: Error[] = []
  pageErrors.set(page, errors)
  page.on('pageerror', (error) => errors.push(error))
  return page
}

/** Uncaught exceptions thrown in the page's own scripts since it was opened. */
export function errorsOf(page: Page): Error[] {
  return pageErrors.get(page) ?? []
}

/** The language the app rendered the current page in (`<html lang>`). */
export async function pageLocale(page: Page): Promise<E2ELocale> {
  const lang = await page.locator('html').getAttribute('lang')
  return lang === 'en' ? 'en' : 'zh-CN'
}

/**
 * Signs in through the login form as a real user would (labels, not selectors) and
 * waits until the app has left /login. Works in either interface language.
 */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto('/login')
  const labels = LOGIN_LABELS[await pageLocale(page)]
  await page.getByLabel(labels.email, { exact: true }).fill(email)
  await page.getByLabel(labels.password, { exact: true }).fill(password)
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.getByRole('button', { name: labels.submit, exact: true }).click(),
  ])
}

/**
 * Waits for the page's main heading (h1) to read `name`. When it does not appear,
 * reloads once and waits again (a page still being compiled or a dev server restarting);
 * the error names what the page showed instead.
 */
export async function expectHeading(page: Page, name: string, timeoutMs = 10_000) {
  const heading = page.getByRole('heading', { level: 1, name, exact: true })
  try {
    await heading.waitFor({ state: 'visible', timeout: timeoutMs })
    return
  } catch {
    await page.reload()
  }
  try {
    await heading.waitFor({ state: 'visible', timeout: timeoutMs })
  } catch {
    const shown = await page
      .locator('h1')
      .allInnerTexts()
      .catch(() => [])
    throw new Error(`expected heading "${name}" on ${page.url()}, the page shows h1 ${JSON.stringify(shown)}`)
  }
}

// ---------------------------------------------------------------------------------------
// The Postgres server

/** The Postgres server the end-to-end tests make their own databases on (CI's, trust auth). */
export const E2E_POSTGRES_ADMIN = process.env.E2E_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

/** Whether the server answers, within 5 s. */
export async function postgresReachable(url = E2E_POSTGRES_ADMIN) {
  const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await probe`select 1`
    return true
  } catch {
    return false
  } finally {
    await probe.end({ timeout: 2 }).catch(() => {})
  }
}

/** A new empty database on the server, named `prefix_…`: its URL, and `drop` to remove it whatever holds it. */
export async function scratchDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`
  const admin = postgres(E2E_POSTGRES_ADMIN, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`create database ${name}`)
  } finally {
    await admin.end({ timeout: 5 })
  }
  const url = new URL(E2E_POSTGRES_ADMIN)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(E2E_POSTGRES_ADMIN, { max: 1, onnotice: () => {} })
      try {
        await a.unsafe(`drop database if exists ${name} with (force)`)
      } finally {
        await a.end({ timeout: 5 })
      }
    },
  }
}
