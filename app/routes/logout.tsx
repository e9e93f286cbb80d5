import type { ActionFunctionArgs } from '@remix-run/node'
import { redirect } from '@remix-run/node'
import { destroySession } from '../utils/auth.server'
import { readMutationForm } from '../utils/csrf.server'

export async function loader() {
  return redirect('/')
}

export async function action({ request }: ActionFunctionArgs) {
  await readMutationForm(request)
  return redirect('/login', { headers: { 'Set-Cookie': await destroySession(request) } })
}
