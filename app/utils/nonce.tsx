import { createContext, useContext, type ReactNode } from 'react'

/**
 * The per-response nonce of the Content-Security-Policy: only scripts that carry it run
 * (entry.server makes it; the root layout hands it to Remix's scripts). In the browser it
 * reads as empty, which is what React expects after hydration.
 */
const NonceContext = createContext('')

export function NonceProvider({ value, children }: { value: string; children: ReactNode }) {
  return <NonceContext.Provider value={value}>{children}</NonceContext.Provider>
}

export const useNonce = () => useContext(NonceContext)
