// Pause and resume with the official SDK: pause() freezes the sandbox (isRunning() false, listed as paused, a second
// pause() returns false), connect resumes it with its processes where they were; lifecycle onTimeout 'pause' pauses
// at the timeout instead of killing; autoResume lets the first request to a port wake it.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, sleep, fetchUntil } from '../lib/sdks.mjs'

for (const { version, Sandbox } of sdks) {
  describe(`e2b ${version}: pause and resume`, () => {
    const made = []
    const create = async (opts) => {
      const sbx = await Sandbox.create('base', { timeoutMs: 120_000, metadata: { suite: 'pause' }, ...opts })
      made.push(sbx)
      return sbx
    }
    after(async () => { for (const s of made) await s.kill().catch(() => {}) })

    const waitForState = async (id, state) => {
      for (let i = 0; i < 100; i++) {
        if ((await Sandbox.getInfo(id)).state === state) return
        await sleep(200)
      }
      assert.fail(`sandbox ${id} never became ${state}`)
    }

    test('pause keeps a background process; connect resumes it', async () => {
      const sbx = await create()
      const bg = await sbx.commands.run('sleep 600', { background: true })
      assert.equal(await sbx.pause(), true)
      assert.equal(await sbx.isRunning(), false)
      assert.equal((await Sandbox.getInfo(sbx.sandboxId)).state, 'paused')
      assert.equal(await sbx.pause(), false, 'a second pause answers 409, which the SDK reports as false')
      const paused = await Sandbox.list({ query: { state: ['paused'], metadata: { suite: 'pause' } } }).nextItems()
      assert.ok(paused.some((s) => s.sandboxId === sbx.sandboxId))

      const again = await Sandbox.connect(sbx.sandboxId, { timeoutMs: 60_000 })
      assert.equal(await again.isRunning(), true)
      assert.equal((await Sandbox.getInfo(sbx.sandboxId)).state, 'running')
      const running = await again.commands.list()
      assert.ok(running.some((p) => p.pid === bg.pid), 'the frozen process is still there')
      assert.equal((await again.commands.run('echo back')).stdout, 'back\n')
    })

    test("lifecycle onTimeout 'pause' pauses at the timeout instead of killing", async () => {
      const sbx = await create({ timeoutMs: 2_000, lifecycle: { onTimeout: 'pause' } })
      const lifecycle = (await Sandbox.getInfo(sbx.sandboxId)).lifecycle
      if (lifecycle) assert.equal(lifecycle.onTimeout, 'pause') // 2.45's getInfo does not read it
      await waitForState(sbx.sandboxId, 'paused')
      assert.equal(await sbx.isRunning(), false)
      assert.equal(await sbx.kill(), true, 'a paused sandbox can be killed')
    })

    test('autoResume: the first request to a port wakes the sandbox and is served', async () => {
      const sbx = await create({ lifecycle: { onTimeout: 'pause', autoResume: true } })
      await sbx.commands.run('python3 -m http.server 3000 --directory /tmp', { background: true })
      const url = `https://${sbx.getHost(3000)}/`
      assert.equal((await fetchUntil(url, {}, (r) => r.status === 200)).status, 200)
      assert.equal(await sbx.pause(), true)
      const woken = await fetch(url)
      assert.equal(woken.status, 200, 'held while the sandbox wakes, then served')
      assert.equal((await Sandbox.getInfo(sbx.sandboxId)).state, 'running')
    })
  })
}
