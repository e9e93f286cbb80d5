import type { LoaderFunctionArgs } from '@remix-run/node'
import { getObservation } from '../services/competitors.server'
import { readPhoto } from '../services/photos.server'
import { requireUserWithPermission } from '../utils/auth.server'
import { notFound } from '../utils/http.server'

/** An observation's photo, for those who may read the observation: never cached by shared caches, never run as anything but a picture. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'competitor:read')
  const observation = await getObservation(user, params.observationId!)
  if (!observation.photoSha256 || !observation.photoType) notFound()
  const bytes = await readPhoto(observation.photoSha256)
  if (!bytes) notFound()
  return new Response(new Uint8Array(bytes), {
    headers: {
      'Content-Type': observation.photoType,
      'Content-Length': String(bytes.length),
      'Cache-Control': 'private, max-age=86400, immutable',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  })
}
