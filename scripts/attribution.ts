import fs from 'node:fs/promises'
import { parseArgs } from 'node:util'
import zlib from 'node:zlib'
import { CsvError, parse as parseCsv } from 'csv-parse/sync'
import { z } from 'zod'
import { type AttributionModel, type ConversionPath, ATTRIBUTION_MODELS, attributeConversions } from '../analytics/attribution'
import { type TouchEvent, journeysFromEvents } from '../analytics/attribution/journeys'
import { parseWallClock } from '../analytics/ingest/dates'
import { type CsvCell, toCsv } from '../app/utils/csv'

/**
 * `npm run attribution -- FILE [options]` (USAGE below): every attribution model over a file of
 * conversion paths in ChannelAttribution's format, or over an event log (one row per touch, as
 * published attribution data sets come) made into journeys (analytics/attribution/journeys.ts;
 * ADR 021), one CSV row per channel on stdout. Nothing is read from or written to the database.
 * Exits 0 with the table (and, for an event log, one line on stderr saying what was read), 1 with
 * one line on stderr saying what is wrong and where.
 */
const USAGE = [
  "Usage: npm run --silent attribution -- FILE [--sep ','] [--path-sep ' > '] [--order 1|2|3] [--nulls|--no-nulls]",
  '                                        [--direct NAME] [--half-life N] [--lookback N]',
  '                                        [--user COL] [--time COL] [--channel COL] [--conversion COL] [--value COL]',
  '  FILE         a CSV (UTF-8; gzipped too) of either',
  '               paths, ChannelAttribution\'s format: the header path,total_conversions[,total_conversion_value][,total_null]',
  '               or events, one row per touch: a user (cookie, user_id…), a time, a channel, whether it converted',
  '               (conversion 0/1, or interaction = conversion) and its value (conversion_value), as published data sets',
  '               have them; each user\'s journey ends at each conversion, and the touches after the last do not convert',
  "  --sep        column separator (default ',', or a tab when the header has tabs and no comma; '\\t' or tab for tabs)",
  "  --path-sep   separator of a path's steps (default ' > ', which also reads '>' with or without spaces)",
  '  --order      Markov order (default 1)',
  '  --no-nulls   leave the non-converting journeys (total_null) out of the Markov chain',
  '  --direct     the channel last non-direct passes over (default direct)',
  '  --half-life  time decay half-life: in days for events with times, in touches for paths (default 7)',
  '  --lookback   keep only the last N touches of each path',
  '  --user, --time, --channel, --conversion, --value, --conversion-time, --conversion-id',
  '               the columns of an event file, when their names are not the usual ones',
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

/** The most a gzip file may unpack to: the file is read whole. */
const MAX_UNZIPPED_BYTES = 2 ** 30

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
      .refine((s) => !/["\r\n]/.test(s), '--sep cannot be a quote or a line break')
      .optional(),
    user: z.string().trim().min(1, '--user needs a column name').optional(),
    time: z.string().trim().min(1, '--time needs a column name').optional(),
    channel: z.string().trim().min(1, '--channel needs a column name').optional(),
    conversion: z.string().trim().min(1, '--conversion needs a column name').optional(),
    value: z.string().trim().min(1, '--value needs a column name').optional(),
    'conversion-time': z.string().trim().min(1, '--conversion-time needs a column name').optional(),
    'conversion-id': z.string().trim().min(1, '--conversion-id needs a column name').optional(),
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
        sep: { type: 'string' },
        user: { type: 'string' },
        time: { type: 'string' },
        channel: { type: 'string' },
        conversion: { type: 'string' },
        value: { type: 'string' },
        'conversion-time': { type: 'string' },
        'conversion-id': { type: 'string' },
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

/** The separator of a file named without --sep: a tab when the header line has tabs and no comma (a .tsv), else ','. */
function guessSeparator(bytes: Uint8Array) {
  let end = bytes.indexOf(0x0a)
  if (end < 0) end = bytes.length
  const line = Buffer.from(bytes.subarray(0, end)).toString('utf8')
  return line.includes('\t') && !line.includes(',') ? '\t' : ','
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

type Column = { index: number; name: string }

/** The file's records with their line numbers, its header's columns by lower-case name, and how to name a place in it. */
type Table = {
  header: CsvRow
  rows: CsvRow[]
  names: string[]
  columnOf: Map<string, number>
  at: (line: number, column?: Column) => string
  /** a row's cell in the column, or an error naming where it is missing */
  cell: (row: CsvRow, column: Column) => string
  /** an error when the row has a filled cell beyond the header's columns */
  checkWidth: (row: CsvRow) => void
}

/** Reads the CSV into records, or says which line is wrong. */
function readTable(bytes: Uint8Array, options: { file: string; sep: string }): Table {
  const { file } = options
  const at = (line: number, column?: Column) => `${file}, line ${line}${column ? `, column ${column.index + 1} (${column.name})` : ''}`

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
  if (!header) throw new CommandError(`${file}: the file is empty; it needs a header: path,total_conversions,total_conversion_value,total_null for paths, or a user, time, channel and conversion column for events`)

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
  const width = header.cells.length
  const cell = (row: CsvRow, c: Column) => {
    const text = row.cells[c.index]
    if (text === undefined) throw new CommandError(`${at(row.line, c)}: missing (the row has ${row.cells.length} cells, the header ${width})`)
    return text
  }
  const checkWidth = (row: CsvRow) => {
    const extra = row.cells.findIndex((text, index) => index >= width && text.trim() !== '')
    if (extra >= 0) throw new CommandError(`${at(row.line)}: cell ${extra + 1} lies beyond the header's ${width} columns`)
  }
  return { header, rows, names, columnOf, at, cell, checkWidth }
}

/** What the header lacks, said with what it has (and a hint when the separator looks wrong). */
function missingColumn(table: Table, sep: string, what: string) {
  const found = table.names.filter(Boolean).join(', ') || 'nothing'
  const hint = table.header.cells.length === 1 && sep === ',' && table.header.cells[0]!.includes(';') ? " (is the file ';'-separated? use --sep ';')" : ''
  return new CommandError(`${table.at(table.header.line)}: the header has no column ${what} (it has: ${found})${hint}`)
}

/** Reads a file of paths (ChannelAttribution's format) into conversion paths, or says which line and column are wrong. */
function readPaths(table: Table, options: { sep: string; pathSep: string | undefined }): ConversionPath[] {
  const { rows, columnOf, at } = table
  for (const required of REQUIRED_COLUMNS) if (!columnOf.has(required)) throw missingColumn(table, options.sep, required)
  const column = (name: string) => {
    const index = columnOf.get(name)
    return index === undefined ? undefined : { index, name }
  }
  const pathColumn = column('path')!
  const conversionsColumn = column('total_conversions')!
  const [valueColumn, nullsColumn] = OPTIONAL_COLUMNS.map(column)
  const flexible = options.pathSep === undefined || options.pathSep.trim() === '>'
  const splitPath = (text: string) => (flexible ? text.split(/\s*>\s*/) : text.split(options.pathSep!)).map((step) => step.trim())

  const paths: ConversionPath[] = []
  for (const row of rows) {
    table.checkWidth(row)
    const cell = (c: Column) => table.cell(row, c)
    const number = (c: Column, schema: typeof CountSchema | typeof ValueSchema) => {
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

/** Header names of an event log's columns, compared without case, spaces, '_' or '-'. */
const EVENT_COLUMNS = {
  user: ['cookie', 'user', 'userid', 'uid', 'visitor', 'visitorid', 'clientid', 'customer', 'customerid', 'personid', 'journeyid', '用户', '用户id', '访客', '访客id', '客户', '客户id'],
  time: ['time', 'timestamp', 'eventtime', 'datetime', 'date', 'ts', 'touchtime', '时间', '时间戳', '日期', '触点时间'],
  channel: ['channel', 'marketingchannel', 'source', 'touchpoint', 'medium', 'campaign', 'campaignid', '渠道', '来源', '媒体', '活动'],
  conversion: ['conversion', 'conversions', 'converted', 'isconversion', 'purchase', '转化', '是否转化'],
  interaction: ['interaction', 'event', 'eventtype', 'type', 'action', '事件', '类型'],
  value: ['conversionvalue', 'value', 'revenue', 'conversionrevenue', '转化金额', '转化价值', '金额', '收入'],
  // a log whose touches carry the conversion they led to (Criteo's attribution data set)
  conversionTime: ['conversiontimestamp', 'conversiontime', 'convertedat', 'conversiondate', '转化时间'],
  conversionId: ['conversionid', '转化id', '转化编号'],
} as const
type NamedColumn = 'user' | 'time' | 'channel' | 'conversion' | 'value' | 'conversionTime' | 'conversionId'
const FLAG: Record<NamedColumn, string> = { user: 'user', time: 'time', channel: 'channel', conversion: 'conversion', value: 'value', conversionTime: 'conversion-time', conversionId: 'conversion-id' }
type EventColumn = keyof typeof EVENT_COLUMNS
const aliasKey = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, '')

/** an interaction that is a conversion (any other, e.g. impression or click, is a touch) */
const CONVERTING_INTERACTIONS = new Set(['conversion', 'convert', 'converted', 'purchase', 'order', 'sale', 'lead', '转化', '成交', '下单'])
const YES = new Set(['1', 'true', 'yes', 'y', 't', '是'])
const NO = new Set(['', '0', 'false', 'no', 'n', 'f', '否'])

/** A time as event logs write it: ISO 8601 (with or without its offset), Unix seconds or milliseconds, or a date as the sales and lead imports read them. ms since epoch, or null. */
function parseEventTime(text: string): number | null {
  const s = text.trim()
  if (/^\d{9,10}(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000)
  if (/^\d{12,13}$/.test(s)) return Number(s)
  const moment = parseWallClock(s)
  if (moment === null) return null
  if ('instant' in moment) return moment.instant.getTime()
  // a time without its zone: read as UTC, the same for every row (only order and distance count)
  return Date.UTC(moment.year, moment.month - 1, moment.day, moment.hour, moment.minute, moment.second)
}

type EventLog = { events: TouchEvent[]; timed: boolean }

const PLAIN_NUMBER = /^\d+(\.\d+)?$/
/** a cell saying "none" in a column of conversion times or ids (Criteo writes -1) */
const isNoConversion = (text: string) => text === '' || text === '-1'

/**
 * How a column of times is read. A column of plain numbers throughout holds seconds (Unix
 * seconds, or seconds since the log began, as Criteo's data set counts them; relative times
 * keep the order and the distances, all the models need) or, when they run to 12 digits and
 * more, milliseconds; unless every one is a compact date (20181003). Any other column is read
 * cell by cell (parseEventTime). Cells that say no conversion (-1) are left out of the choice.
 */
function timeReader(table: Table, column: Column): (text: string) => number | null {
  let numbers = 0
  let compactDates = true
  let milliseconds = false
  for (const row of table.rows) {
    const text = table.cell(row, column).trim()
    if (isNoConversion(text)) continue
    if (!PLAIN_NUMBER.test(text)) return parseEventTime
    numbers++
    if (compactDates && !(text.length === 8 && parseWallClock(text) !== null)) compactDates = false
    if (text.indexOf('.') < 0 ? text.length >= 12 : text.indexOf('.') >= 12) milliseconds = true
  }
  if (!numbers || compactDates) return parseEventTime
  return (text) => {
    const t = text.trim()
    if (!PLAIN_NUMBER.test(t)) return parseEventTime(t)
    return milliseconds ? Math.round(Number(t)) : Math.round(Number(t) * 1000)
  }
}

/**
 * Reads an event log (one row per touch: a user, a time, a channel, whether it converted and
 * its value), or says which line and column are wrong. The columns are found by their usual
 * names (cookie, time, channel, conversion, conversion_value, interaction — those of the
 * published data sets — and their Chinese names), or named with --user, --time, --channel,
 * --conversion and --value.
 */
function readEvents(table: Table, options: { sep: string; named: Partial<Record<NamedColumn, string>> }): EventLog {
  const { rows, names, at } = table
  const find = (kind: EventColumn): Column | undefined => {
    const named = kind === 'interaction' ? undefined : options.named[kind]
    if (named !== undefined) {
      const index = names.indexOf(named.trim().toLowerCase())
      if (index < 0) throw missingColumn(table, options.sep, `${named} (named by --${FLAG[kind as NamedColumn]})`)
      return { index, name: names[index]! }
    }
    for (const alias of EVENT_COLUMNS[kind]) {
      const index = names.findIndex((name) => aliasKey(name) === alias)
      if (index >= 0) return { index, name: names[index]! }
    }
    return undefined
  }
  const user = find('user')
  const channel = find('channel')
  if (!user) throw missingColumn(table, options.sep, 'path (a file of paths), nor one naming the user of each event (cookie, user_id…; or name it with --user)')
  if (!channel) throw missingColumn(table, options.sep, 'naming the channel of each event (channel, source…; or name it with --channel)')
  const time = find('time')
  const conversion = find('conversion')
  const interaction = conversion ? undefined : find('interaction')
  if (!conversion && !interaction)
    throw missingColumn(table, options.sep, "saying which events convert (conversion as 0/1, or interaction with 'conversion'; or name it with --conversion)")
  const value = find('value')
  // touches labelled with the conversion they led to: a column of conversion times (and ids)
  const conversionTime = find('conversionTime')
  const conversionId = find('conversionId')
  const labelled = conversionTime !== undefined || options.named.conversionId !== undefined
  const readTime = time ? timeReader(table, time) : parseEventTime
  const readConversionTime = conversionTime ? timeReader(table, conversionTime) : parseEventTime

  const events: TouchEvent[] = []
  for (const row of rows) {
    table.checkWidth(row)
    const userText = table.cell(row, user).trim()
    if (userText === '') throw new CommandError(`${at(row.line, user)}: empty; every event needs its user`)
    let at_: number | null = null
    if (time) {
      const text = table.cell(row, time)
      at_ = readTime(text)
      if (at_ === null) throw new CommandError(`${at(row.line, time)}: ${JSON.stringify(text.trim())} is not a time (e.g. 2018-07-03T13:02:11Z, 2018-07-03 13:02, or Unix seconds)`)
    }
    let conversions = 0
    if (conversion) {
      const text = table.cell(row, conversion).trim().toLowerCase()
      if (YES.has(text)) conversions = 1
      else if (!NO.has(text)) {
        const count = CountSchema.safeParse(text)
        if (!count.success || !Number.isInteger(count.data)) throw new CommandError(`${at(row.line, conversion)}: ${JSON.stringify(text)} is neither 0/1 nor a count of conversions`)
        conversions = count.data
      }
    } else if (CONVERTING_INTERACTIONS.has(table.cell(row, interaction!).trim().toLowerCase())) conversions = 1
    let amount = 0
    if (value && conversions > 0) {
      const text = table.cell(row, value)
      if (text.trim() !== '') {
        const parsed = ValueSchema.safeParse(text)
        if (!parsed.success) throw new CommandError(`${at(row.line, value)}: ${JSON.stringify(text.trim())} ${parsed.error.issues[0]!.message}`)
        amount = parsed.data
      }
    }
    const channelText = table.cell(row, channel).trim()
    if (channelText === '' && conversions === 0) throw new CommandError(`${at(row.line, channel)}: empty; an event that does not convert is a touch and needs its channel`)
    const event: TouchEvent = { user: userText, at: at_, channel: channelText, conversions, value: amount }
    if (labelled && conversions > 0) {
      // the conversion this touch led to: its id, else its time (one of the user's conversions)
      const id = conversionId ? table.cell(row, conversionId).trim() : ''
      const when = conversionTime ? table.cell(row, conversionTime).trim() : ''
      event.convertedAt = null
      if (!isNoConversion(when)) {
        event.convertedAt = readConversionTime(when)
        if (event.convertedAt === null) throw new CommandError(`${at(row.line, conversionTime!)}: ${JSON.stringify(when)} is not a time (e.g. 2018-07-03T13:02:11Z, or seconds)`)
      }
      event.conversionKey = !isNoConversion(id) ? `id:${id}` : `at:${when}`
    }
    events.push(event)
  }
  return { events, timed: time !== undefined }
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
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : code === 'ERR_FS_FILE_TOO_LARGE'
              ? 'larger than 2 GB, more than is read at once'
              : (code ?? (error as Error).message)
    throw new CommandError(`cannot read ${file}: ${reason}`)
  }
  // a gzip file (data sets are published so) is read as what it holds
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = zlib.gunzipSync(bytes, { maxOutputLength: MAX_UNZIPPED_BYTES })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new CommandError(
        `cannot read ${file}: ${code === 'ERR_BUFFER_TOO_LARGE' ? `it holds more than ${MAX_UNZIPPED_BYTES / 2 ** 30} GB, more than is read at once` : 'a damaged gzip file'}`,
      )
    }
  }
  const sep = args.sep ?? guessSeparator(bytes)
  const table = readTable(bytes, { file, sep })
  const named = { user: args.user, time: args.time, channel: args.channel, conversion: args.conversion, value: args.value, conversionTime: args['conversion-time'], conversionId: args['conversion-id'] }
  const isLog = Object.values(named).some((name) => name !== undefined) || !table.columnOf.has('path')
  let paths: ConversionPath[]
  let timed = false
  if (isLog) {
    const log = readEvents(table, { sep, named })
    const journeys = journeysFromEvents(log.events)
    timed = log.timed
    paths = journeys.paths
    const count = (n: number, one: string, many = `${one}s`) => `${tidy(n)} ${n === 1 ? one : many}`
    const untouched = journeys.untouched.conversions
      ? `; ${count(journeys.untouched.conversions, 'conversion')} with no touch before ${journeys.untouched.conversions === 1 ? 'it is' : 'them are'} not attributed (value ${tidy(journeys.untouched.value)})`
      : ''
    console.error(
      `attribution: ${count(log.events.length, 'event')} of ${count(journeys.users, 'user')}: ${count(paths.length, 'journey')}, ${count(journeys.conversions, 'conversion')}${log.timed ? '' : ' (no time column: the events in file order)'}${untouched}`,
    )
  } else paths = readPaths(table, { sep, pathSep: args['path-sep'] })
  if (!paths.length) throw new CommandError(`${file}: no ${isLog ? 'events' : 'paths'} to attribute`)
  const result = attributeConversions(paths, {
    order: args.order,
    includeNulls: args.nulls,
    directChannel: args.direct,
    ...(args['half-life'] !== undefined ? (timed ? { halfLifeDays: args['half-life'] } : { halfLifeTouches: args['half-life'] }) : {}),
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
