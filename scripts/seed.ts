import { openDatabase } from '../db/client'
import { seedDemoIfEmpty } from '../db/seed'
import { hashPassword } from '../app/utils/password.server'
import { hashPhone } from '../app/utils/phone-hash.server'
import { deriveUtm } from '../app/utils/utm'

// `npm run db:seed`: migrates, then seeds the demo dealer group into an empty database.
const handle = await openDatabase()
try {
  await handle.migrate()
  const result = await seedDemoIfEmpty(handle.db, { hashPassword, hashPhone, deriveUtm })
  console.log(result ? `Seeded ${JSON.stringify(result)}` : 'The database already has data: nothing seeded.')
} finally {
  await handle.close()
}
