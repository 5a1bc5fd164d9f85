// SDK features Cove does not have yet fail with a clear error, never a crash or a silent no-op: the server answers
// 501 {"code":501,"message":"<feature> is not implemented by Cove yet"} and the SDK turns that into its usual
// error class with "501: <message>"; create fields Cove cannot honour get a 400 that names the field. The sandbox keeps
// working afterwards.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks } from '../lib/sdks.mjs'

for (const { version, Sandbox, sdk } of sdks) {
  describe(`e2b ${version}: features Cove does not have yet`, () => {
    let sbx
    before(async () => { sbx = await Sandbox.create('base', { timeoutMs: 120_000, metadata: { suite: 'not-implemented' } }) })
    after(async () => { await sbx?.kill().catch(() => {}) })

    const notImplemented = (errorClass, feature) => (e) => {
      assert.ok(e instanceof errorClass, `${e?.constructor?.name}: ${e?.message}`)
      assert.equal(e.message, `501: ${feature} is not implemented by Cove yet`)
      return true
    }

    test('volumes', async () => {
      await assert.rejects(sdk.Volume.create(`compat-${Date.now()}`), notImplemented(sdk.VolumeError, 'Volumes'))
    })

    test('the sandbox keeps running and working after the refusals', async () => {
      assert.equal(await sbx.isRunning(), true)
      assert.equal((await sbx.getInfo()).state, 'running')
      assert.equal((await sbx.commands.run('echo still here')).stdout, 'still here\n')
    })
  })
}
