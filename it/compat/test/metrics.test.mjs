// Sandbox metrics through the official SDK (issue 24): getMetrics answers the samples Cove takes every 5 s, with every
// field E2B's SandboxMetric has, filtered by the start/end range as E2B filters them; a backwards range is a 400 and an
// unknown sandbox the SDK's SandboxNotFoundError.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, sleep } from '../lib/sdks.mjs'

for (const { version, Sandbox, sdk } of sdks) {
  describe(`e2b ${version}: sandbox metrics`, () => {
    let sbx
    before(async () => { sbx = await Sandbox.create('base', { timeoutMs: 120_000, metadata: { suite: 'metrics' } }) })
    after(async () => { await sbx?.kill().catch(() => {}) })

    const metricsWhere = async (ok, opts) => {
      for (let i = 0; i < 60; i++) {
        const metrics = await sbx.getMetrics(opts?.())
        if (ok(metrics)) return metrics
        await sleep(500)
      }
      assert.fail('no metrics as expected within 30 s')
    }

    test('samples with every SandboxMetric field, the disk filling as files are written', async () => {
      const first = (await metricsWhere((m) => m.length > 0))[0]
      assert.ok(first.timestamp instanceof Date && !Number.isNaN(first.timestamp.getTime()))
      assert.equal(first.cpuCount, 2)
      assert.equal(typeof first.cpuUsedPct, 'number')
      assert.equal(first.memTotal, 512 * 1024 * 1024)
      assert.ok(first.memUsed > 0 && first.memUsed < first.memTotal, `memUsed ${first.memUsed}`)
      assert.equal(typeof first.memCache, 'number')
      assert.ok(first.diskTotal > 0 && first.diskUsed > 0 && first.diskUsed < first.diskTotal)

      await sbx.commands.run('head -c 50M /dev/urandom > /home/user/fill && sync')
      const later = await metricsWhere((m) => m.at(-1).diskUsed - first.diskUsed > 40 * 1024 * 1024)
      assert.ok(later.at(-1).timestamp >= first.timestamp)
      // the static form reads the same series
      assert.ok((await Sandbox.getMetrics(sbx.sandboxId)).length >= later.length)
    })

    test('time ranges: inside the range only, nothing from before the sandbox existed', async () => {
      const start = new Date()
      const inRange = await metricsWhere((m) => m.length > 0, () => ({ start, end: new Date() }))
      for (const m of inRange) {
        // the query is in whole seconds; samples are at whole seconds
        assert.ok(m.timestamp.getTime() >= Math.floor(start.getTime() / 1000) * 1000 - 1000, m.timestamp.toISOString())
      }
      const before = await sbx.getMetrics({ start: new Date(start.getTime() - 3_600_000), end: new Date(start.getTime() - 1_800_000) })
      assert.deepEqual(before, [])
    })

    test('a start after the end is a 400 that says so; an unknown sandbox is SandboxNotFoundError', async () => {
      const now = Date.now()
      await assert.rejects(sbx.getMetrics({ start: new Date(now), end: new Date(now - 60_000) }), (e) => {
        assert.ok(e instanceof sdk.SandboxError, `${e?.constructor?.name}: ${e?.message}`)
        assert.equal(e.message, '400: error validating time range: start time cannot be after end time')
        return true
      })
      await assert.rejects(Sandbox.getMetrics('nosuchsandbox0000000'), sdk.SandboxNotFoundError)
    })
  })
}
