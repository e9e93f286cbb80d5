import { openDatabase } from './client'

// `npm run db:migrate`: exits 0 when the schema is current, 1 with the reason otherwise.
try {
  const handle = await openDatabase()
  await handle.migrate()
  await handle.close()
  console.log(JSON.stringify({ level: 'info', msg: 'migrations applied', kind: handle.kind }))
  process.exit(0)
} catch (error) {
  console.error((error as Error).message)
  process.exit(1)
}
