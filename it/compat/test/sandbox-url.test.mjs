// E2B_SANDBOX_URL mode: the official SDK sends all envd traffic (RPC, /files, /health) of every sandbox to that one
// URL, with `E2b-Sandbox-Id: <id>` and `E2b-Sandbox-Port: 49983` on every request (plus `X-Access-Token` for secured
// sandboxes), and the server routes by those headers. Signed file URLs are built on that URL too; getHost(port)
// ignores it. Both SDK versions read the variable whenever they build a sandbox's connection config, so setting it
// in process.env around each suite is the same as exporting it.
//
// Shared hosts Cove routes by headers: E2B's `sandbox.<domain>`, the bare domain, `localhost` and IP literals.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, endpoints, fetchUntil } from '../lib/sdks.mjs'

const domain = process.env.E2B_DOMAIN
const sharedUrls = [
  `https://sandbox.${domain}`, // the name E2B's own SDK uses for its shared host
  `https://${domain}`, // the domain `cove up` prints
  `http://localhost:${endpoints().httpPort}`, // E2B's local set-up style (plain HTTP on a machine name)
]

for (const { version, Sandbox, errors } of sdks) {
  for (const sandboxUrl of sharedUrls) {
    describe(`e2b ${version}: E2B_SANDBOX_URL=${sandboxUrl}`, () => {
      let sbx
      let previous
      const routing = () => ({ 'E2b-Sandbox-Id': sbx.sandboxId })

      before(async () => {
        previous = process.env.E2B_SANDBOX_URL
        process.env.E2B_SANDBOX_URL = sandboxUrl
        sbx = await Sandbox.create('base', { timeoutMs: 120_000, metadata: { suite: 'sandbox-url' } })
      })
      after(async () => {
        await sbx?.kill().catch(() => {})
        if (previous === undefined) delete process.env.E2B_SANDBOX_URL
        else process.env.E2B_SANDBOX_URL = previous
      })

      test('the SDK addresses the shared URL; the headers pick the sandbox', async () => {
        const url = await sbx.downloadUrl('/home/user/anything.txt')
        assert.ok(url.startsWith(`${sandboxUrl}/files?`), url)
        const agent = await fetch(`${sandboxUrl}/health`, { headers: { ...routing(), 'E2b-Sandbox-Port': '49983' } })
        assert.equal(agent.status, 204) // envd's health answer, not the control plane's
        const onlyOne = await fetch(`${sandboxUrl}/health`, { headers: routing() })
        assert.equal(onlyOne.status, 400) // E2B's rule: both headers or none
        assert.equal(await onlyOne.text(), 'missing header\n')
      })

      test('commands.run: output, exit code, env', async () => {
        const r = await sbx.commands.run('echo "$GREETING"; echo err >&2', { envs: { GREETING: 'via shared host' } })
        assert.equal(r.stdout, 'via shared host\n')
        assert.equal(r.stderr, 'err\n')
        assert.equal(r.exitCode, 0)
        await assert.rejects(sbx.commands.run('exit 7'), (e) => e instanceof errors.CommandExitError && e.exitCode === 7)
      })

      test('files: write, read, list, exists, bytes', async () => {
        const w = await sbx.files.write('/home/user/shared/a.txt', `written through ${sandboxUrl}`)
        assert.equal(w.path, '/home/user/shared/a.txt')
        assert.equal(await sbx.files.read('/home/user/shared/a.txt'), `written through ${sandboxUrl}`)
        assert.deepEqual((await sbx.files.list('/home/user/shared')).map((e) => e.name), ['a.txt'])
        assert.equal(await sbx.files.exists('/home/user/shared/a.txt'), true)
        assert.equal(await sbx.files.exists('/home/user/shared/nope'), false)
        const bytes = new Uint8Array(256 * 1024).map((_, i) => i % 251)
        await sbx.files.write('/home/user/shared/b.bin', bytes)
        assert.deepEqual(await sbx.files.read('/home/user/shared/b.bin', { format: 'bytes' }), bytes)
        await assert.rejects(sbx.files.read('/home/user/shared/missing'), (e) => e instanceof errors.FileNotFoundError || e instanceof errors.NotFoundError)
      })

      test('getHost(port) + fetch, and the same port through the shared URL by headers', async () => {
        await sbx.files.write('/home/user/www/index.html', `port 8000 of ${sbx.sandboxId}`)
        await sbx.commands.run('cd /home/user/www && python3 -m http.server 8000', { background: true })
        assert.equal(sbx.getHost(8000), `8000-${sbx.sandboxId}.${domain}`) // E2B_SANDBOX_URL does not change it
        const direct = await fetchUntil(`https://${sbx.getHost(8000)}/`, {}, (r) => r.status === 200)
        assert.equal(direct.status, 200)
        assert.equal(await direct.text(), `port 8000 of ${sbx.sandboxId}`)
        const shared = await fetch(`${sandboxUrl}/`, { headers: { ...routing(), 'E2b-Sandbox-Port': '8000' } })
        assert.equal(shared.status, 200)
        assert.equal(await shared.text(), `port 8000 of ${sbx.sandboxId}`)
      })

      test('signed download URL: on the shared URL it needs the routing headers, as on E2B', async () => {
        await sbx.files.write('/home/user/signed.txt', 'signed via shared host')
        const url = await sbx.downloadUrl('/home/user/signed.txt')
        assert.match(url, /signature=v1_/)
        const ok = await fetch(url, { headers: { ...routing(), 'E2b-Sandbox-Port': '49983' } })
        assert.equal(ok.status, 200)
        assert.equal(await ok.text(), 'signed via shared host')
        const unrouted = await fetch(url, { headers: { accept: 'application/json' } })
        assert.ok(unrouted.status >= 400 && unrouted.status < 500, `status ${unrouted.status}`)
        await unrouted.arrayBuffer()
      })

      test('isRunning: true, then false after kill', async () => {
        assert.equal(await sbx.isRunning(), true)
        await sbx.kill()
        assert.equal(await sbx.isRunning(), false)
        await assert.rejects(sbx.commands.run('true'))
      })
    })
  }
}
