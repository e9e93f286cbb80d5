/** `%text%` for ILIKE, with the user's own %, _ and \ matched literally. */
export function containsPattern(text: string) {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
}
