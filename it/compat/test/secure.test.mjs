// Secured sandboxes: the envd access token (X-Access-Token) and, on the shared host, the traffic access token.
// E2B's rules: with a token, every envd call except GET /health and the (signable) /files needs X-Access-Token,
// else 401 with envd's sentence; the SDK sends the token itself. The per-port host variant of allowPublicTraffic
// (with, without and with a wrong e2b-traffic-access-token) is in ports.test.mjs.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, api, fetchUntil } from '../lib/sdks.mjs'

const UNAUTHORIZED = 'unauthorized access, please provide a valid access token or method signing if supported'

for (const { version, Sandbox } of sdks) {
  describe(`e2b ${version}: secured sandbox`, () => {
    const created = []
    after(async () => { for (const s of created) await s.kill().catch(() => {}) })

    async function create(opts) {
      const sbx = await Sandbox.create('base', { timeoutMs: 120_000, ...opts })
      created.push(sbx)
      return sbx
    }

    /** The token the SDK keeps to itself, from the REST detail (E2B's `SandboxDetail.envdAccessToken`). */
    async function envdToken(sbx) {
      const { status, json } = await api('GET', `/sandboxes/${sbx.sandboxId}`)
      assert.equal(status, 200)
      return json.envdAccessToken
    }

    test('secure: true refuses envd calls without the token; the SDK (which sends it) succeeds', async () => {
      const sbx = await create({ secure: true })
      await sbx.files.write('/home/user/secret.txt', 'only with the token')
      assert.equal((await sbx.commands.run('cat /home/user/secret.txt')).stdout, 'only with the token')
      const token = await envdToken(sbx)
      assert.match(token, /^\S{16,}$/)

      const envd = `https://${sbx.getHost(49983)}`
      const list = (headers) => fetch(`${envd}/process.Process/List`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}',
      })
      for (const headers of [{}, { 'X-Access-Token': 'not-the-token' }]) {
        const refused = await list(headers)
        assert.equal(refused.status, 401)
        assert.deepEqual(await refused.json(), { code: 401, message: UNAUTHORIZED })
      }
      const sleeper = await sbx.commands.run('sleep 120', { background: true })
      const allowed = await list({ 'X-Access-Token': token })
      assert.equal(allowed.status, 200)
      assert.ok((await allowed.json()).processes.some((p) => p.pid === sleeper.pid))
      await sleeper.kill()

      const file = `${envd}/files?path=${encodeURIComponent('/home/user/secret.txt')}`
      const noToken = await fetch(file)
      assert.equal(noToken.status, 401)
      assert.equal((await noToken.json()).message, 'missing signature query parameter') // envd's words for /files
      const withToken = await fetch(file, { headers: { 'X-Access-Token': token } })
      assert.equal(withToken.status, 200)
      assert.equal(await withToken.text(), 'only with the token')

      const envs = await fetch(`${envd}/envs`)
      assert.equal(envs.status, 401)
      await envs.arrayBuffer()
      assert.equal((await fetch(`${envd}/health`)).status, 204) // open, as on E2B: isRunning needs no token
    })

    // 2.45 sends `secure` (default true) to POST /sandboxes; 2.51 uses POST /v2/sandboxes, where every sandbox is
    // secured and `secure` is not part of the request.
    const v2 = version === '2.51.0'
    test(`secure: false ${v2 ? 'is still secured on the v2 endpoint' : 'leaves envd open (v1 endpoint)'}`, async () => {
      const sbx = await create({ secure: false })
      const token = await envdToken(sbx)
      const res = await fetch(`https://${sbx.getHost(49983)}/process.Process/List`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
      })
      if (v2) {
        assert.ok(token)
        assert.equal(res.status, 401)
      } else {
        assert.equal(token, undefined)
        assert.equal(res.status, 200)
      }
      await res.arrayBuffer()
      assert.equal((await sbx.commands.run('echo ok')).stdout, 'ok\n')
    })

    test('allowPublicTraffic: false holds on the shared host too; the envd port needs only the envd token', async () => {
      const sbx = await create({ secure: true, network: { allowPublicTraffic: false } })
      assert.ok(sbx.trafficAccessToken)
      await sbx.commands.run('python3 -m http.server 8002', { background: true })
      const shared = `https://sandbox.${process.env.E2B_DOMAIN}/`
      const port = { 'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': '8002', accept: 'application/json' }
      const ok = await fetchUntil(shared, { headers: { ...port, 'e2b-traffic-access-token': sbx.trafficAccessToken } },
        (r) => r.status === 200)
      assert.equal(ok.status, 200)
      await ok.arrayBuffer()
      const without = await fetch(shared, { headers: port })
      assert.equal(without.status, 403)
      assert.match((await without.json()).message, /e2b-traffic-access-token' is missing/)
      const wrong = await fetch(shared, { headers: { ...port, 'e2b-traffic-access-token': 'nope' } })
      assert.equal(wrong.status, 403)
      assert.match((await wrong.json()).message, /is invalid/)

      const agent = { 'E2b-Sandbox-Id': sbx.sandboxId, 'E2b-Sandbox-Port': '49983' }
      assert.equal((await fetch(`${shared}health`, { headers: agent })).status, 204)
      const listed = await fetch(`${shared}process.Process/List`, {
        method: 'POST', body: '{}',
        headers: { ...agent, 'content-type': 'application/json', 'X-Access-Token': await envdToken(sbx) },
      })
      assert.equal(listed.status, 200)
      await listed.arrayBuffer()
    })
  })
}
