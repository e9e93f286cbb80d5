import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/** `npm run attribution -- ARGS`, started as npm would (node with tsx's loader), without npm's own start-up. */
function runAttribution(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/attribution.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let dir: string
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'roadshow-attribution-'))
})
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true })
})

function write(name: string, content: string | Buffer) {
  const file = path.join(dir, name)
  fs.writeFileSync(file, content)
  return file
}

/** The CSV on stdout as one object per channel, numbers as numbers. */
function table(stdout: string) {
  const [header, ...rows] = parse(stdout) as string[][]
  return new Map(rows.map((row) => [row[0]!, Object.fromEntries(header!.slice(1).map((name, i) => [name, Number(row[i + 1])]))] as const))
}

const WHITEPAPER = 'path,total_conversions,total_conversion_value,total_null\nA > B > A > B > B > A,1,10,0\nA > B > B > A > A,1,20,0\nA > A,1,30,0\n'

describe('npm run attribution', () => {
  it('prints every model per channel for the ChannelAttribution whitepaper example', async () => {
    const { code, stdout, stderr } = await runAttribution([write('whitepaper.csv', WHITEPAPER)])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout.split('\r\n')[0]).toBe(
      'channel,first_touch_conversions,first_touch_value,last_touch_conversions,last_touch_value,' +
        'last_non_direct_conversions,last_non_direct_value,linear_conversions,linear_value,time_decay_conversions,time_decay_value,' +
        'position_based_conversions,position_based_value,markov_conversions,markov_value,shapley_conversions,shapley_value,markov_removal_effect',
    )
    const rows = table(stdout)
    expect([...rows.keys()]).toEqual(['A', 'B'])
    // first and last touch A = 3, B = 0; Markov A = 2, B = 1 with removal effects 1 and 0.5 (ADR 021)
    expect(rows.get('A')).toMatchObject({
      first_touch_conversions: 3,
      last_touch_conversions: 3,
      markov_conversions: 2,
      markov_value: 40,
      markov_removal_effect: 1,
    })
    expect(rows.get('B')).toMatchObject({
      first_touch_conversions: 0,
      last_touch_conversions: 0,
      markov_conversions: 1,
      markov_value: 20,
      markov_removal_effect: 0.5,
    })
    // linear: A 3/6 + 3/5 + 2/2 = 2.1, B 0.9; Shapley: each path's conversion split over {A, B} or {A}
    expect(rows.get('A')).toMatchObject({ linear_conversions: 2.1, shapley_conversions: 2, shapley_value: 30 + 5 + 10 })
    expect(rows.get('B')).toMatchObject({ linear_conversions: 0.9, shapley_conversions: 1, shapley_value: 15 })
  })

  it("reads a ';'-separated file with a byte-order mark, CRLF, quoted cells and blank lines at the end", async () => {
    const file = write(
      'semicolon.csv',
      '\uFEFFpath;total_conversions;total_conversion_value;total_null\r\n' +
        '"汽车之家>抖音";2;"300.5";1\r\n' +
        '"抖音 > walk_in";1;100;"4"\r\n' +
        '抖音;0;0;3\r\n' +
        '\r\n   \r\n\r\n',
    )
    const { code, stdout, stderr } = await runAttribution([file, '--sep', ';'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const rows = table(stdout)
    expect([...rows.keys()]).toEqual(['walk_in', '抖音', '汽车之家'])
    // first touch: 汽车之家 2 / 300.5 (the first path), 抖音 1 / 100; last touch: 抖音 2, walk_in 1
    expect(rows.get('汽车之家')).toMatchObject({ first_touch_conversions: 2, first_touch_value: 300.5, last_touch_conversions: 0 })
    expect(rows.get('抖音')).toMatchObject({ first_touch_conversions: 1, first_touch_value: 100, last_touch_conversions: 2 })
    expect(rows.get('walk_in')).toMatchObject({ last_touch_conversions: 1, last_touch_value: 100 })
    let markov = 0
    for (const row of rows.values()) markov += row.markov_conversions!
    expect(markov).toBeCloseTo(3, 9)
  })

  it('reads a file without the value and null columns, and a path separator of its own', async () => {
    const file = write('counts-only.csv', 'path,total_conversions\nautohome|douyin,2\ndouyin,1\n')
    const { code, stdout } = await runAttribution([file, '--path-sep', '|'])
    expect(code).toBe(0)
    const rows = table(stdout)
    expect(rows.get('autohome')).toMatchObject({ first_touch_conversions: 2, first_touch_value: 0, linear_conversions: 1 })
    expect(rows.get('douyin')).toMatchObject({ first_touch_conversions: 1, last_touch_conversions: 3, linear_conversions: 2 })
  })

  it('takes the Markov order and the nulls from the command line', async () => {
    // the example worked by hand in analytics/attribution/markov.test.ts
    const file = write('markov.csv', 'path,total_conversions,total_conversion_value,total_null\nA > C,1,0,0\nB > C,0,0,1\nC,1,0,1\n')
    const effects = (rows: ReturnType<typeof table>) => [...rows].map(([channel, row]) => [channel, row.markov_removal_effect])
    // order 1: C cannot remember where it came from: A and B 1/4 each
    expect(effects(table((await runAttribution([file])).stdout))).toEqual([
      ['A', 0.25],
      ['B', 0.25],
      ['C', 1],
    ])
    // order 2: (B,C) never converts: B 0, A 1/2
    expect(effects(table((await runAttribution([file, '--order', '2'])).stdout))).toEqual([
      ['A', 0.5],
      ['B', 0],
      ['C', 1],
    ])
    // without nulls B>C weighs nothing; start → A or C, half each: A 1/2
    expect(effects(table((await runAttribution([file, '--no-nulls'])).stdout))).toEqual([
      ['A', 0.5],
      ['B', 0],
      ['C', 1],
    ])
  })

  it('takes the direct channel and the lookback from the command line', async () => {
    const file = write('direct.csv', 'path,total_conversions\nB > direct,1\nC > A > direct,1\n')
    // last non-direct: B and A
    const plain = table((await runAttribution([file])).stdout)
    expect([...plain].map(([channel, row]) => [channel, row.last_non_direct_conversions])).toEqual([
      ['A', 1],
      ['B', 1],
      ['C', 0],
      ['direct', 0],
    ])
    // with A as the direct channel, `direct` is an ordinary one and ends both paths
    const directA = table((await runAttribution([file, '--direct', 'A'])).stdout)
    expect(directA.get('direct')!.last_non_direct_conversions).toBe(2)
    // --lookback 1 leaves the last touch of each path: direct alone
    const lastOnly = table((await runAttribution([file, '--lookback', '1'])).stdout)
    expect([...lastOnly.keys()]).toEqual(['direct'])
    expect(lastOnly.get('direct')).toMatchObject({ first_touch_conversions: 2, last_non_direct_conversions: 2, markov_conversions: 2 })
  })

  it('makes channel names safe to open in Excel', async () => {
    const file = write('formula.csv', 'path,total_conversions\n"=HYPERLINK(""http://x"") > douyin",1\n')
    const { code, stdout } = await runAttribution([file])
    expect(code).toBe(0)
    expect(stdout).toContain(`"'=HYPERLINK(""http://x"")"`)
  })

  const malformed: Array<[string, string | Buffer, RegExp, string[]?]> = [
    ['a header without total_conversions', 'path,conversions\nA,1\n', /line 1: the header has no column total_conversions/],
    ['a count that is not a number', 'path,total_conversions,total_null\nA,1,0\nB,many,0\n', /line 3, column 2 \(total_conversions\): "many" is not a number/],
    ['a negative count', 'path,total_conversions,total_null\nA,1,0\n\nB,1,-3\n', /line 4, column 3 \(total_null\): "-3" is negative/],
    ['an empty path', 'path,total_conversions\nA,1\n"  ",2\n', /line 3, column 1 \(path\): empty path/],
    ['an empty step', 'path,total_conversions\nA >  > B,1\n', /line 2, column 1 \(path\): an empty step/],
    [
      'text that is not UTF-8 (GBK)',
      Buffer.concat([Buffer.from('path,total_conversions\nA,1\n'), Buffer.from([0xc6, 0xfb, 0xb3, 0xb5]), Buffer.from(',1\n')]),
      /line 3: not UTF-8 text/,
    ],
    ['a quoted cell never closed', 'path,total_conversions\nA,1\n"B,2\n', /line 3: a quoted cell is never closed/],
    ['a row shorter than the header', 'path,total_conversions,total_null\nA,1\n', /line 2, column 3 \(total_null\): missing/],
    ["a ';' file read as ','", 'path;total_conversions\nA;1\n', /line 1: the header has no column path .*--sep ';'/],
  ]
  for (const [name, content, message] of malformed) {
    it(`refuses ${name} with exit code 1 and one line saying where`, async () => {
      const file = write(`bad-${name.replace(/\W+/g, '-')}.csv`, content)
      const { code, stdout, stderr } = await runAttribution([file])
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toMatch(message)
      expect(stderr).toContain(file)
      expect(stderr.trimEnd().split('\n')).toHaveLength(1)
    })
  }

  it('refuses a file it cannot read and arguments it does not know, in one line each', async () => {
    const missing = await runAttribution([path.join(dir, 'nowhere.csv')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^attribution: cannot read .*nowhere\.csv: no such file\n$/)
    const order = await runAttribution([write('ok.csv', WHITEPAPER), '--order', '4'])
    expect(order.code).toBe(1)
    expect(order.stderr).toMatch(/^attribution: --order must be 1, 2 or 3\. See --help\.\n$/)
    const noFile = await runAttribution([])
    expect(noFile.code).toBe(1)
    expect(noFile.stderr).toMatch(/^attribution: name the CSV file of paths\. See --help\.\n$/)
  })
})
