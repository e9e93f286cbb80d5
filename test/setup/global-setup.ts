import { createTemplate, dropTemplate } from './databases'

export async function setup() {
  await createTemplate()
}

export async function teardown() {
  await dropTemplate()
}
