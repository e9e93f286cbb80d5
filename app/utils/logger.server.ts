import { getEnv } from './env.server'

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const
type Level = keyof typeof LEVELS

/**
 * One JSON object per line on stdout: what log collectors expect. Log lines never carry
 * personal data (SPEC §8, PIPL): pass errors through `describeError`, never their message
 * as it is, and no phone, name or query value as a field. As a last guard, anything that
 * looks like a phone number (7 or more digits in a row, however spaced) is blanked out.
 */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}) {
  if (LEVELS[level] < LEVELS[getEnv().LOG_LEVEL]) return
  const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }, (key, value) =>
    typeof value === 'string' && key !== 'time' ? redactDigits(value) : value,
  )
  if (level === 'error' || level === 'warn') process.stderr.write(line + '\n')
  else process.stdout.write(line + '\n')
}

// a standalone run of 7+ digits, possibly split by spaces or dashes (ids and timestamps,
// which run into letters, are left alone; a masked 138****1234 carries nothing to hide)
const DIGIT_RUN = /(?<![\w-])\+?\d(?:[\s-]?\d){6,}(?![\w-])/g

export function redactDigits(text: string) {
  return text.replace(DIGIT_RUN, '[number]')
}

/** Postgres' SQLSTATE: five characters, digits and capitals. */
const SQLSTATE = /^[0-9A-Z]{5}$/

type ErrorLike = { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; stack?: unknown; constraint_name?: unknown; constraint?: unknown; table_name?: unknown; table?: unknown; routine?: unknown }

/**
 * What a log line may say about an error: its kind, the database's error code and the
 * schema names it gives (constraint, table), and where in our code it happened. A database
 * error's message is left out: drizzle's "Failed query: … params: …" carries the bound
 * values (phones, names) and Postgres quotes the offending input ("invalid input syntax
 * for type uuid: …"). Other messages are kept with number-like runs blanked.
 */
export function describeError(error: unknown): Record<string, unknown> {
  const chain: Record<string, unknown>[] = []
  let current: unknown = error
  for (let depth = 0; current && depth < 4; depth++) {
    if (typeof current !== 'object') {
      chain.push({ message: redactDigits(String(current).slice(0, 300)) })
      break
    }
    const e = current as ErrorLike
    const code = typeof e.code === 'string' ? e.code : undefined
    const name = typeof e.name === 'string' ? e.name : 'Error'
    const message = typeof e.message === 'string' ? e.message : ''
    const fromDatabase = (code !== undefined && SQLSTATE.test(code)) || /^Failed query:|DrizzleQueryError/.test(message + name) || 'routine' in e
    chain.push({
      name,
      ...(code ? { code } : {}),
      ...(fromDatabase ? {} : { message: redactDigits(message.slice(0, 300)) }),
      ...pick(e, ['constraint_name', 'constraint', 'table_name', 'table', 'routine']),
    })
    current = e.cause
  }
  const stack = error instanceof Error && typeof error.stack === 'string' ? stackFrames(error.stack) : undefined
  return { ...chain[0], ...(chain.length > 1 ? { causes: chain.slice(1) } : {}), ...(stack ? { stack } : {}) }
}

function pick(e: ErrorLike, keys: Array<keyof ErrorLike>) {
  const out: Record<string, string> = {}
  for (const key of keys) if (typeof e[key] === 'string') out[key] = e[key] as string
  return out
}

/** The "at …" lines only: the first line of a stack repeats the message. */
function stackFrames(stack: string) {
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 12)
    .map((line) => line.trim())
}
