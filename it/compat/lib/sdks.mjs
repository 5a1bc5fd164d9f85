// Both SDK versions under test: 2.51.0 speaks the v2 endpoints, 2.45.0 the v1 ones.
import { readFileSync } from 'node:fs'
import * as v2 from 'e2b'
import * as v1 from 'e2b-v1'

// `errors` and `sdk` are the same module; `errors` reads better where a test checks error classes.
export const sdks = [
  { version: '2.51.0', Sandbox: v2.Sandbox, errors: v2, sdk: v2 },
  { version: '2.45.0', Sandbox: v1.Sandbox, errors: v1, sdk: v1 },
]

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** The server's listeners, as it wrote them to <data dir>/run/endpoints.json (run.sh exports COVE_DATA_DIR). */
export function endpoints() {
  return JSON.parse(readFileSync(`${process.env.COVE_DATA_DIR}/run/endpoints.json`, 'utf8'))
}

/** A REST call to the control plane with the API key, as curl would make it (for fields the SDK keeps to itself). */
export async function api(method, path, body) {
  const res = await fetch(`https://api.${process.env.E2B_DOMAIN}${path}`, {
    method,
    headers: { 'X-API-KEY': process.env.E2B_API_KEY, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: res.status, json: res.status === 204 ? null : await res.json() }
}

/** Fetches until ok(response) or the attempts run out (a server started in the background needs a moment). */
export async function fetchUntil(url, init, ok, attempts = 100) {
  let last
  for (let i = 0; i < attempts; i++) {
    last = await fetch(url, init)
    if (ok(last)) return last
    await last.arrayBuffer()
    await sleep(100)
  }
  return last
}
