import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { unstable_parseMultipartFormData, type UploadHandler } from '@remix-run/node'
import { checkCsrf, CSRF_FIELD } from './csrf.server'
import { forbidden } from './http.server'
import { badInput, fieldsWithNul, unreadableForm } from './input.server'

/** The upload was larger than allowed: nothing of it was kept. */
export class UploadTooLargeError extends Error {
  /** the text fields read before the file, so that a form can come back with what was typed */
  fields: Record<string, string> = {}
  constructor(public readonly limit: number) {
    super(`The upload is larger than ${limit} bytes.`)
    this.name = 'UploadTooLargeError'
  }
}

const MAX_FIELD_BYTES = 16 * 1024
const MAX_PARTS = 100

/**
 * Reads a multipart form with one file field, in memory and size-capped, and checks CSRF
 * like readMutationForm. The form puts the CSRF field before the file, so a post without a
 * valid token is refused before its file is read.
 */
export async function readMutationUpload(request: Request, options: { fileField: string; maxFileBytes: number }): Promise<FormData> {
  const fields = new Map<string, string>()
  let parts = 0
  const handler: UploadHandler = async ({ name, filename, contentType, data }) => {
    if (++parts > MAX_PARTS) throw new UploadTooLargeError(MAX_PARTS)
    if (filename === undefined) {
      const text = Buffer.from(await collect(data, MAX_FIELD_BYTES)).toString('utf8')
      fields.set(name, text)
      return text
    }
    if (name !== options.fileField) {
      // an unexpected file: drain it without keeping it
      for await (const _ of data) void _
      return undefined
    }
    const early = new FormData()
    const token = fields.get(CSRF_FIELD)
    if (token !== undefined) early.set(CSRF_FIELD, token)
    checkCsrf(request, early)
    const bytes = await collect(data, options.maxFileBytes)
    return new File([bytes], filename, { type: contentType })
  }
  const contentType = request.headers.get('content-type') ?? ''
  if (!contentType.startsWith('multipart/form-data')) forbidden('Expected a file upload.')
  let formData: FormData
  try {
    formData = await unstable_parseMultipartFormData(request, handler)
  } catch (error) {
    // a refusal or a too-large upload goes on; a body that is no multipart form is a 400
    if (error instanceof UploadTooLargeError) {
      error.fields = Object.fromEntries([...fields].filter(([name]) => name !== CSRF_FIELD))
      throw error
    }
    if (error instanceof Response) throw error
    unreadableForm(request)
  }
  checkCsrf(request, formData)
  const withNul = fieldsWithNul(formData)
  if (withNul.length) badInput(request, withNul.map((field) => ({ field, message: 'validation.invalid' })))
  return formData
}

async function collect(data: AsyncIterable<Uint8Array>, limit: number) {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of data) {
    size += chunk.byteLength
    if (size > limit) throw new UploadTooLargeError(limit)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/** A file part of an upload, streamed to a temporary file: its SHA-256, size and first bytes (to tell its type). */
export type ReceivedFile = { temp: string; hash: string; size: number; head: Buffer; fileName: string }

/**
 * Reads a multipart form whose file part (`file`) is streamed to a temporary file in `dir` —
 * hashed and size-capped as it arrives, never held in memory — for the imports of exported
 * files (sales, competitor observations). The CSRF token and the other fields come before the
 * file in the form: `authorize` sees those fields before any of the file is written (it throws
 * to refuse: a store the user may not import into), and a post without a valid token is refused
 * the same way. The caller moves the temporary file to its kept name, or removes it.
 */
export async function receiveUploadToDisk(
  request: Request,
  options: { dir: string; maxBytes: number; authorize: (fields: ReadonlyMap<string, string>) => void; user?: { locale: string | null } },
): Promise<{ form: FormData; file: ReceivedFile | null }> {
  const contentType = request.headers.get('content-type') ?? ''
  if (!contentType.startsWith('multipart/form-data')) forbidden('Expected a file upload.')
  const fields = new Map<string, string>()
  let file: ReceivedFile | null = null
  let parts = 0
  const handler: UploadHandler = async ({ name, filename, data: chunks }) => {
    if (++parts > 20) throw new UploadTooLargeError(20)
    if (filename === undefined) {
      const text = Buffer.from(await collect(chunks, MAX_FIELD_BYTES)).toString('utf8')
      fields.set(name, text)
      return text
    }
    if (name !== 'file' || file) {
      for await (const _ of chunks) void _
      return undefined
    }
    const early = new FormData()
    const token = fields.get(CSRF_FIELD)
    if (token !== undefined) early.set(CSRF_FIELD, token)
    checkCsrf(request, early)
    options.authorize(fields)
    fs.mkdirSync(options.dir, { recursive: true })
    const temp = path.join(options.dir, `upload-${process.pid}-${crypto.randomBytes(8).toString('hex')}.tmp`)
    const received: ReceivedFile = { temp, hash: '', size: 0, head: Buffer.alloc(0), fileName: path.basename(filename || 'upload').slice(0, 255) }
    file = received
    const hash = crypto.createHash('sha256')
    const handle = await fs.promises.open(temp, 'wx', 0o640)
    try {
      for await (const chunk of chunks) {
        received.size += chunk.byteLength
        if (received.size > options.maxBytes) throw new UploadTooLargeError(options.maxBytes)
        if (received.head.length < 8) received.head = Buffer.concat([received.head, Buffer.from(chunk.subarray(0, 8))]).subarray(0, 8)
        hash.update(chunk)
        await handle.write(chunk)
      }
      await handle.sync()
    } finally {
      await handle.close()
    }
    received.hash = hash.digest('hex')
    return received.fileName
  }
  let form: FormData
  try {
    form = await unstable_parseMultipartFormData(request, handler)
  } catch (error) {
    if (file) fs.rmSync((file as ReceivedFile).temp, { force: true })
    if (error instanceof Response || error instanceof UploadTooLargeError) throw error
    unreadableForm(request)
  }
  try {
    checkCsrf(request, form)
    const withNul = fieldsWithNul(form)
    if (withNul.length) badInput(request, withNul.map((field) => ({ field, message: 'validation.invalid' })), options.user)
  } catch (error) {
    if (file) fs.rmSync((file as ReceivedFile).temp, { force: true })
    throw error
  }
  return { form, file }
}
