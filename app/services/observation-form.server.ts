import { ObservationSchema, PHOTO_MAX_BYTES, seenInFuture, type ObservationInput } from '../schemas/competitor'
import type { SessionUser } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'
import { formToObject, toFieldErrors, type FieldErrors } from '../utils/form'
import { readMutationUpload, UploadTooLargeError } from '../utils/upload.server'
import type { PhotoUpload } from './competitors.server'

export type ObservationFormValues = Record<string, string | undefined>

/**
 * Reads the observation form (multipart: the fields, then the photo). A photo over the limit is
 * not kept, and the form comes back with what was typed and the photo's error.
 */
export async function readObservationForm(
  request: Request,
): Promise<{ kind: 'read'; intent: string; values: ObservationFormValues; photo: PhotoUpload; removePhoto: boolean } | { kind: 'too-large'; values: ObservationFormValues }> {
  // a form without a photo may come url-encoded (a script, or a browser that sends no file part)
  if (!(request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const form = await readMutationForm(request)
    const values = formToObject(form) as ObservationFormValues
    return { kind: 'read', intent: String(form.get('intent') ?? 'save'), values, photo: null, removePhoto: values.removePhoto === 'yes' }
  }
  try {
    const form = await readMutationUpload(request, { fileField: 'photo', maxFileBytes: PHOTO_MAX_BYTES })
    const file = form.get('photo')
    form.delete('photo')
    const values = formToObject(form) as ObservationFormValues
    const photo = file instanceof File && file.size > 0 ? { bytes: new Uint8Array(await file.arrayBuffer()) } : null
    return { kind: 'read', intent: String(form.get('intent') ?? 'save'), values, photo, removePhoto: values.removePhoto === 'yes' }
  } catch (error) {
    if (error instanceof UploadTooLargeError) return { kind: 'too-large', values: error.fields }
    throw error
  }
}

/**
 * The observation the form describes, or its errors by field. Beyond the schema: a sighting is
 * not dated after today in its store's calendar (seenInFuture, as for an imported row).
 */
export function parseObservation(user: SessionUser, values: ObservationFormValues): { ok: true; input: ObservationInput } | { ok: false; errors: FieldErrors } {
  const parsed = ObservationSchema.safeParse(values)
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error) }
  const store = user.stores.find((s) => s.id === parsed.data.storeId) ?? user.stores[0]
  if (seenInFuture(parsed.data.seenOn, store?.timeZone ?? 'Asia/Shanghai')) return { ok: false, errors: { seenOn: 'competitors.validation.seenInFuture' } }
  return { ok: true, input: parsed.data }
}
