// Small behaviours where Cove answered differently from E2B (issue 24), with the official SDK unchanged: the
// message of a failed command, a command cut by its sandbox's end, the signed URL refusals, startedAfter at the
// sandbox's own start and whether the template 'base' exists.
import { describe, test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, sleep, api } from '../lib/sdks.mjs'

for (const { version, Sandbox, errors, sdk } of sdks) {
  describe(`e2b ${version}: parity with E2B's API`, () => {
    let sbx
    before(async () => { sbx = await Sandbox.create('base', { timeoutMs: 300_000, secure: true, metadata: { suite: 'parity-api' } }) })
    after(async () => { await sbx?.kill().catch(() => {}) })

    test('a failed command says how it ended, as E2B does ("exit status 3")', async () => {
      await assert.rejects(sbx.commands.run('exit 3'), (e) => {
        assert.ok(e instanceof errors.CommandExitError, `${e?.constructor?.name}: ${e?.message}`)
        assert.equal(e.exitCode, 3)
        assert.equal(e.error, 'exit status 3')
        assert.equal(e.message, 'exit status 3')
        return true
      })
      // a process killed by a signal is still a normal end, with its signal
      const h = await sbx.commands.run('sleep 30', { background: true })
      await sbx.commands.kill(h.pid)
      await assert.rejects(h.wait(), (e) => e instanceof errors.CommandExitError && e.message === 'signal: killed')
    })

    test('signed URLs: each refusal says why, with E2B\'s words', async () => {
      await sbx.files.write('/home/user/signed.txt', 'signed')
      const refusal = async (url, init) => {
        const res = await fetch(url, init)
        return { status: res.status, body: await res.json() }
      }
      const unauthorized = (message) => ({ status: 401, body: { code: 401, message } })
      const good = new URL(await sbx.downloadUrl('/home/user/signed.txt'))
      assert.equal(await (await fetch(good)).text(), 'signed')

      const missing = new URL(good)
      missing.searchParams.delete('signature')
      assert.deepEqual(await refusal(missing), unauthorized('missing signature query parameter'))
      const wrong = new URL(good)
      wrong.searchParams.set('signature', 'v1_' + 'A'.repeat(43))
      assert.deepEqual(await refusal(wrong), unauthorized('invalid signature'))
      const expired = new URL(await sbx.downloadUrl('/home/user/signed.txt', { useSignatureExpiration: -10_000 }))
      assert.deepEqual(await refusal(expired), unauthorized('signature is already expired'))
      assert.deepEqual(await refusal(good, { headers: { 'X-Access-Token': 'not-the-token' } }),
        unauthorized('access token present in header but does not match'))

      const upload = new URL(await sbx.uploadUrl('/home/user/up.txt'))
      upload.searchParams.set('signature', 'v1_' + 'B'.repeat(43))
      const form = new FormData()
      form.append('file', new Blob(['x']), 'up.txt')
      assert.deepEqual(await refusal(upload, { method: 'POST', body: form }), unauthorized('invalid signature'))
    })

    test('list({startedAfter}) includes a sandbox started at that very time', async () => {
      const { startedAt } = await sbx.getInfo()
      const ids = async (query) => (await Sandbox.list({ query }).nextItems()).map((s) => s.sandboxId)
      assert.ok((await ids({ startedAfter: startedAt })).includes(sbx.sandboxId))
      assert.ok(!(await ids({ startedAfter: new Date(startedAt.getTime() + 1) })).includes(sbx.sandboxId))
    })

    test('Template.exists: base is known, an unknown alias is not', async () => {
      if (typeof sdk.Template?.exists === 'function') {
        assert.equal(await sdk.Template.exists('base'), true)
        assert.equal(await sdk.Template.exists('no-such-template-here'), false)
      }
      // what the SDK asks, as it asks it
      const base = await api('GET', '/templates/aliases/base')
      assert.equal(base.status, 200)
      assert.equal(typeof base.json.templateID, 'string')
      assert.equal(typeof base.json.public, 'boolean')
      assert.deepEqual(await api('GET', '/templates/aliases/no-such-template-here'),
        { status: 404, json: { code: 404, message: "template 'no-such-template-here' not found" } })
    })

    test('template tags and secrets answer a clear 501', async () => {
      for (const [method, path] of [['GET', '/templates/base/tags'], ['POST', '/templates/tags'],
        ['DELETE', '/templates/tags'], ['GET', '/secrets'], ['POST', '/secrets'], ['DELETE', '/secrets/s1']]) {
        const r = await api(method, path, method === 'GET' || method === 'DELETE' ? undefined : {})
        assert.equal(r.status, 501, `${method} ${path}`)
        assert.match(r.json.message, / is not implemented by Cove yet$/)
      }
    })

    // killed from a second handle, or paused (memory kept: the process itself lives on, frozen)
    for (const [what, stop] of [['killed', async (id) => (await Sandbox.connect(id)).kill()],
      ['paused', async (id) => Sandbox.pause(id)]]) {
      test(`a sandbox ${what} while a command runs ends the command with the SDK's TimeoutError`, async () => {
        const victim = await Sandbox.create('base', { timeoutMs: 120_000, metadata: { suite: 'parity-api' } })
        try {
          const run = victim.commands.run('sleep 30')
          run.catch(() => {}) // judged below
          await sleep(1000)
          await stop(victim.sandboxId)
          await assert.rejects(run, (e) => {
            assert.ok(e instanceof errors.TimeoutError, `${e?.constructor?.name}: ${e?.message}`)
            assert.match(e.message, /sandbox was killed or reached its end of life/) // E2B's words
            return true
          })
        } finally {
          await Sandbox.kill(victim.sandboxId).catch(() => {})
        }
      })
    }
  })
}
