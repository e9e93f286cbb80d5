import path from 'node:path'

/**
 * A file path as a DuckDB string literal, for the places that take no bound parameter
 * (COPY … TO, a view's read_parquet list). Any absolute path the app made is accepted —
 * DATA_DIR may well sit under /home/张伟/路演 数据 — with its quotes doubled, the one
 * escape a standard SQL literal needs. Refused: relative paths, control characters, and
 * the glob characters read_parquet would expand (* ? [ ] { }), so a path names one file.
 */
export function fileLiteral(file: string, ext?: string) {
  // eslint-disable-next-line no-control-regex
  if (!path.isAbsolute(file) || /[\u0000-\u001f\u007f*?[\]{}]/.test(file) || (ext && !file.endsWith(ext))) {
    throw new Error('Not a file path the app made')
  }
  return `'${file.replace(/'/g, "''")}'`
}
