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
