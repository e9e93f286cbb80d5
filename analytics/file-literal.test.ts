import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { AnalyticsDb } from './duckdb'
import { fileLiteral } from './file-literal'
import { readParquetTable } from './ingest/sales-parquet'

describe('file paths in DuckDB SQL', () => {
  it('accepts any absolute path, quotes escaped; refuses relative paths, control and glob characters', () => {
    expect(fileLiteral('/home/张伟/路演 数据/imports/a.parquet')).toBe("'/home/张伟/路演 数据/imports/a.parquet'")
    expect(fileLiteral("/data/o'neil/a.parquet")).toBe("'/data/o''neil/a.parquet'")
    for (const bad of ['data/a.parquet', '/data/*.parquet', '/data/a?.parquet', '/data/[ab].parquet', '/data/{a,b}.parquet', '/data/a\n.parquet']) {
      expect(() => fileLiteral(bad), JSON.stringify(bad)).toThrow()
    }
    expect(() => fileLiteral('/data/a.csv', '.parquet')).toThrow()
  })

  it('reads a file under a directory with spaces, Chinese characters and a quote', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "路演 数据 o'k-"))
    const db = await AnalyticsDb.open({ path: ':memory:' })
    try {
      const file = path.join(dir, 'sales.parquet')
      await db.withConnection(async (c) => {
        await c.conn.run(`COPY (SELECT 'LFV2A21K7G3012345' AS 车架号, DATE '2026-10-03' AS 开票日期) TO ${fileLiteral(file)} (FORMAT parquet)`)
        const parts = []
        for await (const part of readParquetTable(c, file)) parts.push(part)
        expect(parts[0]).toMatchObject({ type: 'head', headers: ['车架号', '开票日期'], totalRows: 1 })
        expect(parts[1]).toMatchObject({ type: 'rows', rows: [{ rowNumber: 2, cells: ['LFV2A21K7G3012345', expect.anything()] }] })
      })
    } finally {
      await db.close()
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
