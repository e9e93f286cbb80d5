import { afterAll } from 'vitest'
import { currentDbHandle, setDbOpener } from '../../db/client'
import { createTestDatabase } from './databases'

// Each test file gets its own fresh database, created on first use.
setDbOpener(createTestDatabase)

afterAll(async () => {
  const handle = await currentDbHandle()
  await handle?.close()
})
