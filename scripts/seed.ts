import { openDatabase } from '../db/client'
import { seedDemoIfEmpty } from '../db/seed'
import { hashPassword } from '../app/utils/password.server'
import { hashPhone } from '../app/utils/phone-hash.server'
import { deriveUtm } from '../app/utils/utm'
import iconv from 'iconv-lite'
import { keepImportFile } from '../app/services/import-files.server'
import { runSalesImport } from '../app/services/sales-import.server'
import { runMarketImport } from '../app/services/market-import.server'

// `npm run db:seed`: migrates, then seeds the demo dealer group into an empty database.
const handle = await openDatabase()
try {
  await handle.migrate()
  const result = await seedDemoIfEmpty(handle.db, { hashPassword, hashPhone, deriveUtm })
  if (result) {
    // the stores' sales exports are imported here, as the server would in the background
    const { salesExports, marketExports, specialistId, ...counts } = result
    let sales = 0
    for (const e of salesExports) {
      const kept = await keepImportFile(iconv.encode(e.csv, 'gb18030'), 'csv')
      const imported = await runSalesImport({ storeId: e.storeId, fileHash: kept.hash, ext: 'csv', fileName: e.fileName, mapping: null, createdById: specialistId })
      sales += imported.imported
    }
    // and the region's market data
    let marketFigures = 0
    for (const e of marketExports) {
      const kept = await keepImportFile(iconv.encode(e.csv, 'gb18030'), 'csv')
      const imported = await runMarketImport({ storeId: e.storeId, fileHash: kept.hash, ext: 'csv', fileName: e.fileName, measure: 'registrations', mapping: null, createdById: specialistId })
      marketFigures += imported.figures
    }
    console.log(`Seeded ${JSON.stringify({ ...counts, sales, marketFigures })}`)
  } else console.log('The database already has data: nothing seeded.')
} finally {
  await handle.close()
}
// done: the imports' readers and DuckDB can keep the event loop waiting after their work (as in
// npm run import, which exits the same way); without this the command printed its counts and hung
process.exit(0)
