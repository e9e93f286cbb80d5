import fs from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { CsvError, parse as parseCsv } from 'csv-parse/sync'
import { z } from 'zod'
import { type AttributionModel, type ConversionPath, ATTRIBUTION_MODELS, attributeConversions } from '../analytics/attribution'
import { type CsvCell, toCsv } from '../app/utils/csv'

/**
 * `npm run attribution -- FILE [--sep ','] [--path-sep ' > '] [--order 1|2|3] [--nulls|--no-nulls]
 *  [--direct NAME] [--half-life N] [--lookback N]`: every attribution model over a file of
 * conversion paths in ChannelAttribution's format (ADR 021), one CSV row per channel on stdout.
 * Nothing is read from or written to the database. Exits 0 with the table, 1 with one line on
 * stderr saying what is wrong and where.
 */
const USAGE = [
  "Usage: npm run --silent attribution -- FILE [--sep ','] [--path-sep ' > '] [--order 1|2|3] [--nulls|--no-nulls]",
  '                                        [--direct NAME] [--half-life N] [--lookback N]',
  '  FILE         CSV with the header path,total_conversions[,total_conversion_value][,total_null] (UTF-8)',
  "  --sep        column separator (default ','; '\\t' or tab for tabs)",
  "  --path-sep   separator of a path's steps (default ' > ', which also reads '>' with or without spaces)",
  '  --order      Markov order (default 1)',
  '  --no-nulls   leave the non-converting journeys (total_null) out of the Markov chain',
  '  --direct     the channel last non-direct passes over (default direct)',
  '  --half-life  time decay half-life in touches, the paths having no times (default 7)',
  '  --lookback   keep only the last N touches of each path',
].join('\n')

const REQUIRED_COLUMNS = ['path', 'total_conversions'] as const
const OPTIONAL_COLUMNS = ['total_conversion_value', 'total_null'] as const

/** Column names of the output, per model, in ChannelAttribution's snake case. */
const MODEL_COLUMNS: Record<AttributionModel, string> = {
  firstTouch: 'first_touch',
  lastTouch: 'last_touch',
  lastNonDirect: 'last_non_direct',
  linear: 'linear',
  timeDecay: 'time_decay',
  positionBased: 'position_based',
  markov: 'markov',
  shapley: 'shapley',
}

/** A failure the user can act on: printed as is, on one line. */
class CommandError extends Error {}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

const ArgsSchema = z
  .object({
    positionals: z.array(z.string()).max(1, 'name one file only'),
    sep: z
      .string()
      .transform((s) => (s === '\\t' || s.toLowerCase() === 'tab' ? '\t' : s))
      .refine((s) => s.length > 0, '--sep needs a separator')
      .refine((s) => !/["\r\n]/.test(s), '--sep cannot be a quote or a line break'),
    'path-sep': z.string().min(1, '--path-sep needs a separator').optional(),
    order: z.enum(['1', '2', '3'], { error: '--order must be 1, 2 or 3' }).transform((o) => Number(o) as 1 | 2 | 3),
    nulls: z.boolean(),
    direct: z.string().trim().min(1, '--direct needs a channel name'),
    'half-life': z
      .string()
      .regex(DECIMAL, '--half-life must be a number of touches')
      .transform(Number)
      .refine((n) => Number.isFinite(n) && n > 0, '--half-life must be more than 0')
      .optional(),
    lookback: z
      .string()
      .regex(/^\d+$/, '--lookback must be a whole number of touches')
      .transform(Number)
      .refine((n) => n >= 1, '--lookback must be at least 1')
      .optional(),
    help: z.boolean(),
  })
  .refine((args) => args.help || args.positionals.length === 1, 'name the CSV file of paths')

type Args = z.output<typeof ArgsSchema>

function readArgs(argv: string[]): Args {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      allowNegative: true,
      options: {
        sep: { type: 'string', default: ',' },
        'path-sep': { type: 'string' },
        order: { type: 'string', default: '1' },
        nulls: { type: 'boolean', default: true },
        direct: { type: 'string', default: 'direct' },
        'half-life': { type: 'string' },
        lookback: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    })
  } catch (error) {
    throw new CommandError(`${(error as Error).message.split('. ')[0]}. See --help.`)
  }
  const args = ArgsSchema.safeParse({ ...parsed.values, positionals: parsed.positionals })
  if (!args.success) throw new CommandError(`${args.error.issues[0]!.message}. See --help.`)
  return args.data
}

/** Where each line of the file starts (byte offsets), for naming the line of a record. */
function lineStarts(bytes: Uint8Array) {
  const starts = [0]
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a || (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a)) starts.push(i + 1)
  }
  return starts
}

function lineAt(starts: readonly number[], offset: number) {
  let low = 0
  let high = starts.length - 1
  while (low < high) {
    const mid = (low + high + 1) >> 1
    if (starts[mid]! <= offset) low = mid
    else high = mid - 1
  }
  return low + 1
}

/** The first line that is not UTF-8, when the file is not: a line break byte never sits inside a UTF-8 character. */
function firstLineNotUtf8(bytes: Uint8Array): number | null {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  try {
    decoder.decode(bytes)
    return null
  } catch {
    let line = 1
    let start = 0
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          decoder.decode(bytes.subarray(start, i))
        } catch {
          return line
        }
        line++
        start = i + 1
      }
    }
    return 1
  }
}

const ValueSchema = z
  .string()
  .trim()
  .min(1, 'is empty')
  .regex(DECIMAL, 'is not a number')
  .transform(Number)
  .refine((n) => Number.isFinite(n), 'is not a finite number')
/** a count is a value that cannot be negative */
const CountSchema = ValueSchema.refine((n) => n >= 0, 'is negative')

type CsvRow = { cells: string[]; line: number }

/** Reads the path file into conversion paths, or says which line and column are wrong. */
function readPathFile(bytes: Uint8Array, options: { file: string; sep: string; pathSep: string | undefined }): ConversionPath[] {
  const { file } = options
  const at = (line: number, column?: { index: number; name: string }) => `${file}, line ${line}${column ? `, column ${column.index + 1} (${column.name})` : ''}`

  const badLine = firstLineNotUtf8(bytes)
  if (badLine !== null) throw new CommandError(`${at(badLine)}: not UTF-8 text; save the file as CSV UTF-8`)

  let parsed: Array<{ record: string[]; info: { bytes: number } }>
  try {
    parsed = parseCsv(bytes, {
      delimiter: options.sep,
      bom: true,
      info: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { bytes: number } }>
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines ?? 1
      const what = error.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted cell is never closed' : error.message.replace(/\s+/g, ' ')
      throw new CommandError(`${at(line)}: ${what}`)
    }
    throw error
  }

  // the line a record starts on: after the previous record, past the empty lines skipped
  const starts = lineStarts(bytes)
  const records: CsvRow[] = []
  let next = 0
  for (const { record, info } of parsed) {
    let start = next
    while (bytes[start] === 0x0a || bytes[start] === 0x0d) start++
    next = info.bytes
    if (record.every((cell) => cell.trim() === '')) continue
    records.push({ cells: record, line: lineAt(starts, start) })
  }
  const [header, ...rows] = records
  if (!header) throw new CommandError(`${file}: the file is empty; it needs the header path,total_conversions,total_conversion_value,total_null`)

  const names = header.cells.map((cell) =>
    cell
      .replace(/^\uFEFF/, '')
      .trim()
      .toLowerCase(),
  )
  const columnOf = new Map<string, number>()
  names.forEach((name, index) => {
    if (name === '') return
    if (columnOf.has(name)) throw new CommandError(`${at(header.line, { index, name })}: the header names this column twice`)
    columnOf.set(name, index)
  })
  for (const required of REQUIRED_COLUMNS) {
    if (!columnOf.has(required)) {
      const found = names.filter(Boolean).join(', ') || 'nothing'
      const hint = header.cells.length === 1 && options.sep === ',' && header.cells[0]!.includes(';') ? " (is the file ';'-separated? use --sep ';')" : ''
      throw new CommandError(`${at(header.line)}: the header has no column ${required} (it has: ${found})${hint}`)
    }
  }
  const column = (name: string) => {
    const index = columnOf.get(name)
    return index === undefined ? undefined : { index, name }
  }
  const pathColumn = column('path')!
  const conversionsColumn = column('total_conversions')!
  const [valueColumn, nullsColumn] = OPTIONAL_COLUMNS.map(column)
  const width = header.cells.length
  const flexible = options.pathSep === undefined || options.pathSep.trim() === '>'
  const splitPath = (text: string) => (flexible ? text.split(/\s*>\s*/) : text.split(options.pathSep!)).map((step) => step.trim())

  const paths: ConversionPath[] = []
  for (const row of rows) {
    const cell = (c: { index: number; name: string }) => {
      const text = row.cells[c.index]
      if (text === undefined) throw new CommandError(`${at(row.line, c)}: missing (the row has ${row.cells.length} cells, the header ${width})`)
      return text
    }
    const extra = row.cells.findIndex((text, index) => index >= width && text.trim() !== '')
    if (extra >= 0) throw new CommandError(`${at(row.line)}: cell ${extra + 1} lies beyond the header's ${width} columns`)
    const number = (c: { index: number; name: string }, schema: typeof CountSchema | typeof ValueSchema) => {
      const text = cell(c)
      const parsed = schema.safeParse(text)
      if (!parsed.success) throw new CommandError(`${at(row.line, c)}: ${JSON.stringify(text.trim())} ${parsed.error.issues[0]!.message}`)
      return parsed.data
    }

    const pathText = cell(pathColumn).trim()
    if (pathText === '') throw new CommandError(`${at(row.line, pathColumn)}: empty path`)
    const channels = splitPath(pathText)
    if (channels.some((step) => step === '')) throw new CommandError(`${at(row.line, pathColumn)}: an empty step in the path ${JSON.stringify(pathText)}`)
    const conversions = number(conversionsColumn, CountSchema)
    const value = valueColumn ? number(valueColumn, ValueSchema) : 0
    const nulls = nullsColumn ? number(nullsColumn, CountSchema) : 0
    if (value !== 0 && conversions === 0) throw new CommandError(`${at(row.line, valueColumn)}: a conversion value on a path without conversions`)
    paths.push({ channels, conversions, value, nulls })
  }
  return paths
}

/** 12 significant digits: far finer than any count or amount in the file, and 2.9999999999999996 reads 3. */
const tidy = (n: number) => Number(n.toPrecision(12)) + 0

async function main(argv: string[]): Promise<number> {
  const args = readArgs(argv)
  if (args.help) {
    console.log(USAGE)
    return 0
  }
  const file = args.positionals[0]!
  let bytes: Buffer
  try {
    bytes = await fs.readFile(file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : code ?? (error as Error).message
    throw new CommandError(`cannot read ${file}: ${reason}`)
  }
  const paths = readPathFile(bytes, { file, sep: args.sep, pathSep: args['path-sep'] })
  const result = attributeConversions(paths, {
    order: args.order,
    includeNulls: args.nulls,
    directChannel: args.direct,
    ...(args['half-life'] !== undefined ? { halfLifeTouches: args['half-life'] } : {}),
    ...(args.lookback !== undefined ? { lookback: args.lookback } : {}),
  })

  const header: CsvCell[] = ['channel']
  for (const model of ATTRIBUTION_MODELS) header.push(`${MODEL_COLUMNS[model]}_conversions`, `${MODEL_COLUMNS[model]}_value`)
  header.push('markov_removal_effect')
  const rows: CsvCell[][] = [header]
  for (const channel of result.channels) {
    const row: CsvCell[] = [channel]
    for (const model of ATTRIBUTION_MODELS) {
      const credit = result.credits[model].get(channel)!
      row.push(tidy(credit.conversions), tidy(credit.value))
    }
    row.push(tidy(result.markov.removalEffects.get(channel)!))
    rows.push(row)
  }
  process.stdout.write(toCsv(rows))
  return 0
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  // one line, never a stack trace: what is wrong and where
  const message = error instanceof CommandError ? error.message : `failed: ${error instanceof Error ? error.message : String(error)}`
  console.error(`attribution: ${message.replace(/\s*\n\s*/g, ' ')}`)
  process.exitCode = 1
}
