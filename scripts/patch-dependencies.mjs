// Runs after `npm ci` / `npm install` (the "postinstall" script). It patches a dependency bug
// that has no released fix, and is idempotent and safe to run again.
//
// postgres 3.4.x (porsager/postgres #1154, #1208; fixes proposed in #1168, #1209): when a
// connection closes while a small write is still queued, `nextWrite` runs from a
// setImmediate callback against a socket that is already gone and throws a TypeError that
// no caller can catch, so the process dies. The database going away must give 503s, not a
// dead server (SPEC §8). The guard fails the queued write the way the driver fails others.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ORIGINAL = `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`
const PATCHED = `  function nextWrite(fn) {
    if (!socket) {
      nextWriteTimer !== null && clearImmediate(nextWriteTimer)
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options))
      return false
    }
    const x = socket.write(chunk, fn)`

let patched = 0
for (const dir of ['src', 'cjs/src', 'cf/src']) {
  const file = path.join(root, 'node_modules', 'postgres', dir, 'connection.js')
  if (!fs.existsSync(file)) continue
  const text = fs.readFileSync(file, 'utf8')
  if (text.includes(PATCHED)) continue
  if (!text.includes(ORIGINAL)) {
    console.warn(`patch-dependencies: ${path.relative(root, file)} changed upstream; check whether porsager/postgres#1154 is fixed and drop this patch`)
    continue
  }
  fs.writeFileSync(file, text.replace(ORIGINAL, PATCHED))
  patched++
}
if (patched) console.log(`patch-dependencies: postgres connection.js patched (${patched} files)`)
