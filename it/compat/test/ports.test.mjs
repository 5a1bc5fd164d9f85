// Ports with the official SDK: getHost(port) + fetch of a server in the sandbox, what the URL says after the
// sandbox ends, and E2B's traffic access token for sandboxes created with allowPublicTraffic: false.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, fetchUntil } from '../lib/sdks.mjs'

for (const { version, Sandbox } of sdks) {
  describe(`e2b ${version}: ports`, () => {
    const created = []
    after(async () => { for (const s of created) await s.kill().catch(() => {}) })

    test('getHost + fetch of python3 -m http.server; after kill the URL says the sandbox ended', async () => {
      const sbx = await Sandbox.create('base', { timeoutMs: 120_000 })
      created.push(sbx)
      await sbx.files.write('/home/user/www/index.html', `hello from ${sbx.sandboxId}`)
      await sbx.commands.run('cd /home/user/www && python3 -m http.server 8000', { background: true })
      const url = `https://${sbx.getHost(8000)}/`
      const res = await fetchUntil(url, {}, (r) => r.status === 200)
      assert.equal(res.status, 200)
      assert.equal(await res.text(), `hello from ${sbx.sandboxId}`)

      await sbx.kill()
      assert.equal(await sbx.isRunning(), false)
      const gone = await fetch(url, { headers: { accept: 'application/json' } })
      assert.equal(gone.status, 410)
      const body = await gone.json()
      assert.equal(body.code, 'sandbox_ended')
      assert.equal(body.reason, 'killed')
    })

    test('allowPublicTraffic: false requires the traffic access token', async () => {
      const sbx = await Sandbox.create('base', { timeoutMs: 120_000, secure: true, network: { allowPublicTraffic: false } })
      created.push(sbx)
      assert.ok(sbx.trafficAccessToken, 'the create response carries trafficAccessToken')
      await sbx.commands.run('python3 -m http.server 8001', { background: true })
      const url = `https://${sbx.getHost(8001)}/`
      const headers = { 'e2b-traffic-access-token': sbx.trafficAccessToken }
      const ok = await fetchUntil(url, { headers }, (r) => r.status === 200)
      assert.equal(ok.status, 200)
      const without = await fetch(url, { headers: { accept: 'application/json' } })
      assert.equal(without.status, 403)
      assert.match((await without.json()).message, /e2b-traffic-access-token/)
      const wrong = await fetch(url, { headers: { 'e2b-traffic-access-token': 'nope', accept: 'application/json' } })
      assert.equal(wrong.status, 403)
    })
  })
}
