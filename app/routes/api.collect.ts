import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { answerPreflight, handleCollect, methodNotAllowed } from '../services/web-intake.server'

/**
 * Page views from public/rs.js on a store's website (SPEC §3, docs/decisions/007).
 * Public: no session, no CSRF token; the site key and the Origin authenticate a request.
 * Remix routes OPTIONS (the CORS preflight) to the loader.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return request.method === 'OPTIONS' ? answerPreflight(request) : methodNotAllowed()
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method === 'OPTIONS') return answerPreflight(request)
  if (request.method !== 'POST') return methodNotAllowed()
  return handleCollect(request)
}
