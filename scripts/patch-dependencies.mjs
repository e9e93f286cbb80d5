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

// postgres 3.4.x (porsager/postgres #917, #499; fix proposed in #1016): a COPY … TO STDOUT
// stream pauses the socket when its buffer fills; when the COPY's last data and its end
// arrive in one read, the stream ends with the socket still paused, and the connection's
// next query never completes. The analytical sync reads every chunk this way
// (analytics/sync/source.ts), so the socket is resumed once the COPY has ended.
const COPY_ORIGINAL = `  function CopyDone() {
    stream && stream.push(null)
    stream = null
  }`
const COPY_PATCHED = `  function CopyDone() {
    stream && stream.push(null)
    stream = null
    socket.resume()
  }`

const PATCHES = [
  { name: 'the write after a closed connection', original: ORIGINAL, patched: PATCHED, issue: 'porsager/postgres#1154' },
  { name: 'the socket left paused after COPY TO STDOUT', original: COPY_ORIGINAL, patched: COPY_PATCHED, issue: 'porsager/postgres#917' },
]

let patched = 0
for (const dir of ['src', 'cjs/src', 'cf/src']) {
  const file = path.join(root, 'node_modules', 'postgres', dir, 'connection.js')
  if (!fs.existsSync(file)) continue
  let text = fs.readFileSync(file, 'utf8')
  let changed = false
  for (const patch of PATCHES) {
    if (text.includes(patch.patched)) continue
    if (!text.includes(patch.original)) {
      console.warn(`patch-dependencies: ${path.relative(root, file)} changed upstream; check whether ${patch.issue} is fixed and drop the patch for ${patch.name}`)
      continue
    }
    text = text.replace(patch.original, patch.patched)
    changed = true
    patched++
  }
  if (changed) fs.writeFileSync(file, text)
}
if (patched) console.log(`patch-dependencies: postgres connection.js patched (${patched} patches)`)

// react-dom 18.3.1 (facebook/react#31134, #27554; fixed in React 19, which Remix v2 cannot use):
// renderToPipeableStream encodes text into a 2048-byte view; when the next character does not
// fit, it flushes the *whole* view, unwritten tail included, so one or two NUL bytes land in the
// HTML wherever a multi-byte character meets the view's end. Chinese pages meet it often: in an
// attribute the browser reads the NULs as U+FFFD (a link named "途观L ��金秋试驾日"), in text they
// break hydration (React error #425). The flush writes only the bytes written.
const REACT_PATCHES = [
  {
    file: 'react-dom/cjs/react-dom-server.node.production.min.js',
    original: 'd<b.length&&(t(a,k),k=new Uint8Array(2048)',
    patched: 'd<b.length&&(t(a,k.subarray(0,l)),k=new Uint8Array(2048)',
  },
  {
    file: 'react-dom/cjs/react-dom-server.node.development.js',
    original: `  if (read < stringChunk.length) {
    writeToDestination(destination, currentView);`,
    patched: `  if (read < stringChunk.length) {
    writeToDestination(destination, currentView.subarray(0, writtenBytes));`,
  },
]
let reactPatched = 0
for (const patch of REACT_PATCHES) {
  const file = path.join(root, 'node_modules', patch.file)
  if (!fs.existsSync(file)) continue
  const text = fs.readFileSync(file, 'utf8')
  if (text.includes(patch.patched)) continue
  if (!text.includes(patch.original)) {
    console.warn(`patch-dependencies: ${patch.file} changed upstream; check whether facebook/react#31134 is fixed and drop the patch`)
    continue
  }
  fs.writeFileSync(file, text.replace(patch.original, patch.patched))
  reactPatched++
}
if (reactPatched) console.log(`patch-dependencies: react-dom server patched (${reactPatched} files)`)
