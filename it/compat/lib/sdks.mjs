// Both SDK versions under test: 2.51.0 speaks the v2 endpoints, 2.45.0 the v1 ones.
import * as v2 from 'e2b'
import * as v1 from 'e2b-v1'

export const sdks = [
  { version: '2.51.0', Sandbox: v2.Sandbox, errors: v2 },
  { version: '2.45.0', Sandbox: v1.Sandbox, errors: v1 },
]

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
