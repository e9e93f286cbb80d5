import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { CHROMIUM_PATH } from './harness'

/**
 * Runs once before the e2e files: checks that Chromium is there and makes sure the
 * production build (build/ and public/build/) matches the sources.
 *
 * The build is reused when it is newer than every input; `E2E_REBUILD=1` or `CI=true`
 * always rebuilds (it takes a few seconds).
 */
const INPUTS = ['app', 'db', 'remix.config.js', 'remix.env.d.ts', 'tsconfig.json', 'package.json', 'package-lock.json']
const OUTPUTS = ['build/index.js', 'public/build']

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0
  const stat = fs.statSync(entry)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)))
  return newest
}

function buildIsFresh() {
  if (!OUTPUTS.every((output) => fs.existsSync(output))) return false
  const built = fs.statSync('build/index.js').mtimeMs
  return INPUTS.every((input) => newestMtime(input) < built)
}

export function setup() {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install it with \`apt-get install -y chromium\` ` +
        `or point CHROMIUM_PATH at a Chromium binary.`,
    )
  }
  const force = ['1', 'true'].includes(process.env.E2E_REBUILD ?? '') || ['1', 'true'].includes(process.env.CI ?? '')
  if (!force && buildIsFresh()) {
    console.log('[e2e] reusing the production build in build/ (newer than the sources; E2E_REBUILD=1 forces a build)')
    return
  }
  console.log('[e2e] npm run build')
  const result = spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } })
  if (result.status !== 0) throw new Error(`npm run build failed (exit ${result.status ?? result.signal})`)
}
