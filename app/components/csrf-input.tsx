import { useRootData } from '../utils/use-root'

/** Every mutating form carries this; actions refuse a post without it. */
export function CsrfInput() {
  const { csrf } = useRootData()
  return <input type="hidden" name="csrf" value={csrf} />
}
