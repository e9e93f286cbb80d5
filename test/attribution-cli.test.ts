import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
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

/** An event log as the published multi-touch attribution data set has it (cookie,time,interaction,conversion,conversion_value,channel), its rows out of time order. */
const EVENT_LOG = [
  'cookie,time,interaction,conversion,conversion_value,channel',
  '00000FkCnDfDDf0iC97iC703B,2018-07-03T13:02:11Z,impression,0,0.0,Facebook',
  '0000nACkD9nFkBBDECD3ki00E,2018-07-05T09:00:00Z,impression,0,0.0,Paid Search',
  '0003EfE37E93D0BC03iBhBBhF,2018-07-04T10:00:00Z,impression,0,0.0,Facebook',
  '0003EfE37E93D0BC03iBhBBhF,2018-07-02T10:00:00Z,impression,0,0.0,Paid Search',
  '00000FkCnDfDDf0iC97iC703B,2018-07-04T08:00:00Z,impression,0,0.0,Instagram',
  '00000FkCnDfDDf0iC97iC703B,2018-07-06T08:00:00Z,conversion,1,10.0,Instagram',
  '0003EfE37E93D0BC03iBhBBhF,2018-07-08T10:00:00Z,conversion,1,5.0,Facebook',
  '00073CFE3FoFCn70fBhB3kfon,2018-07-01T00:00:00Z,conversion,1,7.0,Facebook',
  '00073CFE3FoFCn70fBhB3kfon,2018-07-09T00:00:00Z,impression,0,0.0,Instagram',
  '',
].join('\n')
/** The same journeys as ChannelAttribution's paths: each user's events in time order, ending at each conversion. */
const EVENT_LOG_PATHS =
  'path,total_conversions,total_conversion_value,total_null\nFacebook > Instagram > Instagram,1,10,0\nPaid Search,0,0,1\nPaid Search > Facebook > Facebook,1,5,0\nFacebook,1,7,0\nInstagram,0,0,1\n'

describe('npm run attribution on an event log', () => {
  it('makes journeys of the published data set’s events and credits them as the same paths would be', async () => {
    const events = await runAttribution([write('attribution-data.csv', EVENT_LOG)])
    expect(events.code).toBe(0)
    expect(events.stderr).toBe('attribution: 9 events of 4 users: 5 journeys, 3 conversions\n')
    const rows = table(events.stdout)
    expect([...rows.keys()]).toEqual(['Facebook', 'Instagram', 'Paid Search'])
    // first touch: Facebook for the first and fourth users (10 + 7), Paid Search for the third (its 07-02 touch though written later)
    expect(rows.get('Facebook')).toMatchObject({ first_touch_conversions: 2, first_touch_value: 17, last_touch_conversions: 2, last_touch_value: 12 })
    expect(rows.get('Paid Search')).toMatchObject({ first_touch_conversions: 1, first_touch_value: 5, last_touch_conversions: 0 })
    expect(rows.get('Instagram')).toMatchObject({ first_touch_conversions: 0, last_touch_conversions: 1, last_touch_value: 10 })
    // every model but time decay (in days here, in touches for paths) as for the paths file
    const paths = table((await runAttribution([write('attribution-data-paths.csv', EVENT_LOG_PATHS)])).stdout)
    for (const [channel, row] of paths) {
      for (const [column, value] of Object.entries(row)) if (!column.startsWith('time_decay')) expect([channel, column, rows.get(channel)![column]]).toEqual([channel, column, value])
    }
    // time decay by days: the third user's Paid Search touch, 6 days before its sale, weighs 2^(-6/7) against Facebook's 2^(-4/7) and 1
    const w = [2 ** (-6 / 7), 2 ** (-4 / 7), 1]
    expect(rows.get('Paid Search')!.time_decay_conversions).toBeCloseTo(w[0]! / (w[0]! + w[1]! + w[2]!), 9)
    // a half-life of one day, given with --half-life, moves credit to the touches nearest the sale
    const short = table((await runAttribution([write('attribution-data.csv', EVENT_LOG), '--half-life', '1'])).stdout)
    expect(short.get('Paid Search')!.time_decay_conversions).toBeLessThan(rows.get('Paid Search')!.time_decay_conversions!)
  })

  it('reads a tab-separated log with Chinese headers, Unix seconds and an interaction column alone', async () => {
    const t = (iso: string) => String(Date.parse(iso) / 1000)
    const file = write(
      'log.tsv',
      [
        '用户ID\t时间\t事件\t渠道\t转化金额',
        `a\t${t('2026-10-01T02:00:00Z')}\timpression\t汽车之家\t`,
        `a\t${t('2026-10-03T02:00:00Z')}\tclick\t抖音\t`,
        `a\t${t('2026-10-04T02:00:00Z')}\tconversion\t\t180000`,
        `b\t${t('2026-10-02T02:00:00Z')}\tconversion\t\t90000`,
        '',
      ].join('\n'),
    )
    const { code, stdout, stderr } = await runAttribution([file])
    expect(code).toBe(0)
    // b's sale had no touch before it: counted, said, not credited
    expect(stderr).toBe('attribution: 4 events of 2 users: 1 journey, 1 conversion; 1 conversion with no touch before it is not attributed (value 90000)\n')
    const rows = table(stdout)
    expect(rows.get('汽车之家')).toMatchObject({ first_touch_conversions: 1, first_touch_value: 180000, last_touch_conversions: 0 })
    expect(rows.get('抖音')).toMatchObject({ last_touch_conversions: 1, last_touch_value: 180000, linear_value: 90000 })
  })

  it('reads the log gzipped, as data sets are published, and refuses a damaged one', async () => {
    const plain = await runAttribution([write('attribution-data-plain.csv', EVENT_LOG)])
    const zipped = await runAttribution([write('attribution-data.csv.gz', zlib.gzipSync(EVENT_LOG))])
    expect(zipped.code).toBe(0)
    expect(zipped.stdout).toBe(plain.stdout)
    const damaged = await runAttribution([write('damaged.csv.gz', zlib.gzipSync(EVENT_LOG).subarray(0, 40))])
    expect(damaged.code).toBe(1)
    expect(damaged.stderr).toMatch(/^attribution: cannot read .*damaged\.csv\.gz: a damaged gzip file\n$/)
  })

  it('takes the columns named on the command line, and keeps the file order when there are no times', async () => {
    const file = write('named.csv', 'visitor_key,medium,won,amount\nv1,seo,0,\nv1,wechat,0,\nv1,wechat,yes,300\nv2,seo,0,\n')
    const { code, stdout, stderr } = await runAttribution([file, '--user', 'visitor_key', '--channel', 'Medium', '--conversion', 'won', '--value', 'amount'])
    expect(stderr).toBe('attribution: 4 events of 2 users: 2 journeys, 1 conversion (no time column: the events in file order)\n')
    expect(code).toBe(0)
    const rows = table(stdout)
    expect(rows.get('seo')).toMatchObject({ first_touch_conversions: 1, first_touch_value: 300, last_touch_conversions: 0 })
    expect(rows.get('wechat')).toMatchObject({ last_touch_conversions: 1, last_touch_value: 300 })
    // the same as its paths file, time decay included (in touches for both)
    const paths = table((await runAttribution([write('named-paths.csv', 'path,total_conversions,total_conversion_value,total_null\nseo > wechat > wechat,1,300,0\nseo,0,0,1\n')])).stdout)
    expect(rows).toEqual(paths)
  })

  it('reads Criteo’s attribution data set: impressions labelled with their conversion, times in seconds since the log began', async () => {
    // criteo_attribution_dataset.tsv.gz as published (its first columns): each impression
    // names the conversion it led to (-1: none) and when that was; campaigns are the channels
    const criteo = [
      'timestamp\tuid\tcampaign\tconversion\tconversion_timestamp\tconversion_id\tattribution\tclick\tclick_pos\tclick_nb\tcost\tcpo\ttime_since_last_click\tcat1',
      '0\t20073966\t22589171\t0\t-1\t-1\t0\t0\t-1\t-1\t7.20E-05\t0.02\t-1\t5824233',
      '2\t24607497\t884761\t0\t-1\t-1\t0\t0\t-1\t-1\t6.90E-05\t0.09\t-1\t5824233',
      '86400\t1001\t111\t1\t432000\t5001\t0\t0\t-1\t-1\t1.0E-04\t0.05\t-1\t1',
      '172800\t1001\t222\t1\t432000\t5001\t1\t1\t0\t1\t1.0E-04\t0.05\t-1\t1',
      '259200\t1001\t111\t1\t950000\t5002\t1\t1\t0\t1\t1.0E-04\t0.05\t-1\t1',
      '86400\t1002\t222\t1\t200000\t5003\t1\t0\t-1\t-1\t1.0E-04\t0.05\t-1\t1',
      '500000\t1002\t333\t0\t-1\t-1\t0\t0\t-1\t-1\t1.0E-04\t0.05\t-1\t1',
      '',
    ].join('\n')
    const { code, stdout, stderr } = await runAttribution([write('criteo_attribution_dataset.tsv.gz', zlib.gzipSync(criteo))])
    expect(stderr).toBe('attribution: 7 events of 4 users: 6 journeys, 3 conversions\n')
    expect(code).toBe(0)
    const rows = table(stdout)
    // conversion 5001: 111 then 222; 5002: 111 (shown before 5001 happened); 5003: 222
    expect(rows.get('111')).toMatchObject({ first_touch_conversions: 2, last_touch_conversions: 1, linear_conversions: 1.5 })
    expect(rows.get('222')).toMatchObject({ first_touch_conversions: 1, last_touch_conversions: 2, linear_conversions: 1.5 })
    expect(rows.get('333')).toMatchObject({ first_touch_conversions: 0, last_touch_conversions: 0 })
    // time decay in days: 5001 at day 5 weighs 111 (day 1) 2^(-4/7) against 222 (day 2) 2^(-3/7)
    const [a, b] = [2 ** (-4 / 7), 2 ** (-3 / 7)]
    expect(rows.get('111')!.time_decay_conversions).toBeCloseTo(a / (a + b) + 1, 9)
    // a conversion-time column named that the file does not have is refused, saying which flag named it
    const asEvents = await runAttribution([write('criteo-as-events.tsv', criteo), '--conversion-time', 'no_such_column'])
    expect(asEvents.code).toBe(1)
    expect(asEvents.stderr).toMatch(/the header has no column no_such_column \(named by --conversion-time\)/)
  })

  const malformed: Array<[string, string, RegExp, string[]?]> = [
    ['a time that is not one', 'cookie,time,conversion,channel\nu1,2018-07-03,0,Facebook\nu1,yesterday,1,Facebook\n', /line 3, column 2 \(time\): "yesterday" is not a time/],
    ['a touch without its channel', 'cookie,time,conversion,channel\nu1,2018-07-03,0,\n', /line 2, column 4 \(channel\): empty; an event that does not convert is a touch/],
    ['an event without its user', 'user_id,channel,conversion\n,seo,0\n', /line 2, column 1 \(user_id\): empty; every event needs its user/],
    ['a conversion cell that is neither', 'cookie,channel,conversion\nu1,seo,maybe\n', /line 2, column 3 \(conversion\): "maybe" is neither 0\/1 nor a count/],
    ['a log that never says what converts', 'cookie,time,channel\nu1,2018-07-03,seo\n', /line 1: the header has no column saying which events convert/],
    ['a log without a channel', 'cookie,time,conversion\nu1,2018-07-03,1\n', /line 1: the header has no column naming the channel/],
    ['a column named that is not there', 'cookie,channel,conversion\nu1,seo,1\n', /line 1: the header has no column visitor \(named by --user\)/, ['--user', 'visitor']],
    ['a header of neither kind', 'a,b\n1,2\n', /line 1: the header has no column path \(a file of paths\), nor one naming the user/],
  ]
  for (const [name, content, message, extra] of malformed) {
    it(`refuses ${name} with exit code 1 and one line saying where`, async () => {
      const file = write(`bad-log-${name.replace(/\W+/g, '-')}.csv`, content)
      const { code, stdout, stderr } = await runAttribution([file, ...(extra ?? [])])
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toMatch(message)
      expect(stderr.trimEnd().split('\n')).toHaveLength(1)
    })
  }
})
