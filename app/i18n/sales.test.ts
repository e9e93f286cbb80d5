import { describe, expect, it } from 'vitest'
import { SALE_FIELDS, PAYMENT_METHODS } from '../../analytics/ingest/sales-record'
import { SALES_ROW_MESSAGE_KEYS } from '../../analytics/ingest/sales-validate'
import { dictionaries } from './index'

describe('sales import messages', () => {
  it('every reason, warning, field and payment method of a sales import has its words in both languages', () => {
    const keys = [
      ...SALES_ROW_MESSAGE_KEYS,
      ...SALE_FIELDS.map((f) => `sales.field.${f}`),
      ...PAYMENT_METHODS.map((p) => `sales.payment.${p}`),
      'sales.error.noIdColumn', 'sales.error.noDateColumn', 'sales.error.duplicateField', 'sales.error.duplicateColumn',
    ]
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const key of keys) expect(dictionaries[locale], `${locale} ${key}`).toHaveProperty([key])
    }
  })
})
