import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { getDb } from '../db/client'
import { nameKey } from '../analytics/ingest/sales-values'

/**
 * leads.name_key is generated in Postgres by roadshow_name_key() (migration 0008), the sales
 * files carry nameKey() from the import: matchback compares the two, so they must agree.
 */
const NAMES = [
  '张伟',
  '欧阳修',
  '买买提·艾力',
  '张先生',
  '李女士',
  '王小姐',
  '先生',
  '刘总',
  '陈老师',
  '张伟（老客户）',
  '张伟(老客户)',
  '【VIP】李娜',
  '［备注］赵六',
  ' 王 五 ',
  '王　五',
  'Ｊｏｈｎ　Ｓｍｉｔｈ',
  'John Smith',
  "O'Brien",
  'Mary-Jane Wang',
  'li.na',
  '诸葛亮',
  '司马相如先生',
  '张生',
  '李人',
  'A',
  '张',
  '张伟伟伟伟',
  '张\t伟',
  '',
  '  ',
  '()',
  'ＡＢＣ１２３',
  '黄蓉_',
]

describe('the name key in Postgres', () => {
  it('gives the same key as the import’s nameKey for every kind of name', async () => {
    const db = await getDb()
    for (const name of NAMES) {
      const rows = (await db.execute(sql`select roadshow_name_key(${name}::text) as k`)) as unknown as Array<{ k: string | null }> | { rows: Array<{ k: string | null }> }
      const list = Array.isArray(rows) ? rows : rows.rows
      expect(list[0]!.k, JSON.stringify(name)).toBe(nameKey(name))
    }
  })
})
