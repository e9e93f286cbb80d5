import type { TableStreamError } from '../../analytics/ingest/stream-table'
import type { MessageKey } from '../i18n'

/**
 * The file reader's refusals every import kind words alike (analytics/ingest/stream-worker.mjs).
 * Each kind adds its own words for the rest (no header, no sheet, memory, a damaged file).
 */
export const TABLE_READER_ERRORS = {
  empty: 'imports.error.empty',
  tooLarge: 'imports.error.tooLarge',
  tooManyRows: 'imports.error.tooManyRows',
  unsupportedType: 'imports.error.unsupportedType',
  oldExcel: 'imports.error.oldExcel',
  workbookTooLarge: 'imports.error.workbookTooLarge',
  mergedCells: 'imports.error.mergedCells',
  binary: 'imports.error.binary',
  undecodable: 'imports.error.undecodable',
  cellTooLong: 'imports.error.cellTooLong',
  tooManyColumns: 'imports.error.tooManyColumns',
  rowTooLong: 'imports.error.rowTooLong',
} as const satisfies Partial<Record<TableStreamError['code'], MessageKey>>
