import { notFound } from '../utils/http.server'

// Any URL no other route matches: answering it from a route (rather than leaving it
// unmatched) runs the root loader, so the 404 page speaks the user's language.
export async function loader() {
  notFound()
}

export async function action() {
  notFound()
}

export default function NotFound() {
  return null
}
