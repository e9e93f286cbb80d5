import { z } from 'zod'

/**
 * The archive's table of contents, `manifest.json`, written last
 * (docs/decisions/016-backup-and-restore.md). It names no person: tables, counts, hashes and
 * file names (kept files are named by the hash of their content).
 */
export const BACKUP_FORMAT = 'roadshow-backup'
/**
 * 2: the photos of competitor observations (DATA_DIR/photos) are kept files too. A format-1
 * archive has none, and restoring it leaves DATA_DIR/photos as it is.
 */
export const BACKUP_FORMAT_VERSION = 2
/** The formats this code restores. */
export const READABLE_FORMAT_VERSIONS = [1, 2] as const
export const MANIFEST_NAME = 'manifest.json'

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/)
/** a relative path inside the archive: plain names joined by `/`, no `.`, `..` or empty parts */
export const ArchivePath = z
  .string()
  .min(1)
  .max(1000)
  .refine((p) => p.split('/').every((part) => part !== '' && part !== '.' && part !== '..' && !/[\\\0]/.test(part)), 'not a plain relative path')

const ColumnSchema = z.object({ name: z.string(), type: z.string() })

export const ManifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int().positive(),
  createdAt: z.string().datetime(),
  app: z.object({ version: z.string() }),
  database: z.object({
    kind: z.enum(['pglite', 'postgres']),
    serverVersion: z.string(),
    /** drizzle's log of applied migrations: the schema level the rows were written at */
    migrations: z.object({
      count: z.number().int().min(0),
      last: z.object({ tag: z.string().nullable(), createdAt: z.number().int() }).nullable(),
    }),
  }),
  tables: z.array(
    z.object({
      schema: z.string(),
      name: z.string(),
      /** COPY text, one row per line */
      file: ArchivePath,
      columns: z.array(ColumnSchema),
      omitted: z.array(z.string()),
      key: z.array(ColumnSchema),
      rows: z.number().int().min(0),
    }),
  ),
  /** tables whose rows are not kept (rebuilt, not restored) */
  derived: z.array(z.string()),
  sequences: z.array(z.object({ schema: z.string(), name: z.string(), lastValue: z.string().regex(/^-?\d+$/).nullable() })),
  /** every other entry of the archive, with its size and sha256 */
  files: z.array(z.object({ path: ArchivePath, bytes: z.number().int().min(0), sha256: Sha256 })),
})

export type Manifest = z.infer<typeof ManifestSchema>

/** Where the dump of a table lives in the archive. */
export const tableFile = (schema: string, name: string) => `db/${schema}.${name}.copy`

/**
 * The parts of DATA_DIR kept in a backup (README, Configuration: DATA_DIR): what nothing else
 * can remake. The rest is the embedded database (the dump stands for it), the analytical copy
 * (rebuilt), files being written (tmp/) and the data generator's output (gen/, made again
 * from its seed).
 */
export const KEPT_DIRS = ['imports', 'secrets', 'photos'] as const
export type KeptDir = (typeof KEPT_DIRS)[number]

/** The kept directories an archive of a given format carries: a restore replaces exactly these. */
export function keptDirsOf(formatVersion: number): readonly KeptDir[] {
  return formatVersion >= 2 ? KEPT_DIRS : ['imports', 'secrets']
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BackupError'
  }
}
