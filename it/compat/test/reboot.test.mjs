// A resume without memory is a reboot, as on E2B (issue 24): after pause({ keepMemory: false }) and connect, the
// files are there and /proc/sys/kernel/random/boot_id is new; a pause that keeps memory is no reboot. Each sandbox's
// boot id is its own, not the host's.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { sdks } from '../lib/sdks.mjs'

const bootId = async (sbx) => (await sbx.commands.run('cat /proc/sys/kernel/random/boot_id')).stdout.trim()

for (const { version, Sandbox } of sdks) {
  describe(`e2b ${version}: reboot signal`, () => {
    const made = []
    after(async () => { for (const s of made) await s.kill().catch(() => {}) })

    test('pause({ keepMemory: false }) then connect: same files, new boot id; keepMemory: same boot id', async () => {
      const sbx = await Sandbox.create('base', { timeoutMs: 120_000, metadata: { suite: 'reboot' } })
      made.push(sbx)
      const host = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
      await sbx.files.write('/home/user/kept.txt', 'kept')
      const first = await bootId(sbx)
      assert.match(first, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      assert.notEqual(first, host)

      await sbx.pause()
      await sbx.connect()
      assert.equal(await bootId(sbx), first)

      await sbx.pause({ keepMemory: false })
      assert.equal(await sbx.isRunning(), false)
      await sbx.connect()
      assert.equal(await sbx.files.read('/home/user/kept.txt'), 'kept')
      const second = await bootId(sbx)
      assert.notEqual(second, first)
      assert.notEqual(second, host)
    })
  })
}
