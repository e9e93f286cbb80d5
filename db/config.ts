import path from 'node:path'
import { z } from 'zod'

/**
 * The database part of the environment. Parsed once; a bad value stops the
 * process at start with a message naming the variable.
 */
export const DbEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().min(1).default('./data'),
})

export type DbConfig = {
  /** Postgres server URL; when absent the embedded PGlite under DATA_DIR/pg is used */
  databaseUrl?: string
  dataDir: string
  pgliteDir: string
}

export function readDbConfig(env: NodeJS.ProcessEnv = process.env): DbConfig {
  const parsed = DbEnvSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new Error(`Invalid database configuration:\n${lines.join('\n')}`)
  }
  const dataDir = path.resolve(parsed.data.DATA_DIR)
  return {
    databaseUrl: parsed.data.DATABASE_URL,
    dataDir,
    pgliteDir: path.join(dataDir, 'pg'),
  }
}
