import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node'
import { answerPreflight, handleWebLead, methodNotAllowed } from '../services/web-intake.server'

/**
 * The web lead form (SPEC §3): posted by the form page /f/<siteKey>, by a store's own
 * form that rs.js attaches to, or by a plain HTML form. Public like /api/collect: the
 * site key and the Origin authenticate it; JSON answers a script, a redirect answers a page.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return request.method === 'OPTIONS' ? answerPreflight(request) : methodNotAllowed()
}

export async function action({ request }: ActionFunctionArgs) {
  if (request.method === 'OPTIONS') return answerPreflight(request)
  if (request.method !== 'POST') return methodNotAllowed()
  return handleWebLead(request)
}
