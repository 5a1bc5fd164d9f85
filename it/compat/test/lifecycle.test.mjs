// Control-plane scenarios with the official SDK, unchanged, configured only through E2B_* variables.
import { describe, test, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, sleep } from '../lib/sdks.mjs'

for (const { version, Sandbox, errors } of sdks) {
  describe(`e2b ${version}: sandbox lifecycle`, () => {
    const run = `compat-${version}-${Date.now()}`
    const created = []
    after(async () => { for (const s of created) await s.kill().catch(() => {}) })

    async function create(opts = {}) {
      const sbx = await Sandbox.create('base', { ...opts, metadata: { run, ...(opts.metadata ?? {}) } })
      created.push(sbx)
      return sbx
    }

    test('create with metadata and env vars, then getInfo', async () => {
      const sbx = await create({ metadata: { role: 'info' }, envs: { GREETING: 'hi' }, timeoutMs: 120_000 })
      assert.match(sbx.sandboxId, /^[a-z0-9]{20}$/)
      const info = await sbx.getInfo()
      assert.equal(info.sandboxId, sbx.sandboxId)
      assert.equal(info.templateId, 'base')
      assert.equal(info.state, 'running')
      assert.equal(info.metadata.role, 'info')
      assert.equal(info.metadata.run, run)
      const lifetime = info.endAt.getTime() - info.startedAt.getTime()
      assert.ok(Math.abs(lifetime - 120_000) < 2_000, `lifetime ${lifetime} ms`)
      assert.equal(sbx.getHost(3000), `3000-${sbx.sandboxId}.${process.env.E2B_DOMAIN}`)
    })

    test('list filters by metadata and state', async () => {
      const a = await create({ metadata: { role: 'list' } })
      const b = await create({ metadata: { role: 'list' } })
      const paginator = Sandbox.list({ query: { metadata: { run, role: 'list' }, state: ['running'] } })
      const items = await paginator.nextItems()
      const ids = items.map((s) => s.sandboxId).sort()
      assert.deepEqual(ids, [a.sandboxId, b.sandboxId].sort())
      for (const s of items) assert.equal(s.state, 'running')
      const paused = await Sandbox.list({ query: { metadata: { run }, state: ['paused'] } }).nextItems()
      assert.equal(paused.length, 0)
    })

    test('setTimeout shortens (dead after it) and extends (alive past the original end)', async () => {
      const shortened = await create({ timeoutMs: 300_000 })
      const extended = await create({ timeoutMs: 5_000 })
      await shortened.setTimeout(3_000)
      await extended.setTimeout(20_000)
      await sleep(6_500)
      await assert.rejects(shortened.getInfo(), (e) => e instanceof errors.SandboxNotFoundError || /not found/i.test(e.message))
      const info = await extended.getInfo()
      assert.equal(info.state, 'running')
    })

    test('connect only extends the timeout', async () => {
      const sbx = await create({ timeoutMs: 300_000 })
      const before = (await sbx.getInfo()).endAt.getTime()
      await Sandbox.connect(sbx.sandboxId, { timeoutMs: 10_000 })
      assert.equal((await sbx.getInfo()).endAt.getTime(), before)
      await Sandbox.connect(sbx.sandboxId, { timeoutMs: 600_000 })
      assert.ok((await sbx.getInfo()).endAt.getTime() > before)
    })

    test('kill returns true, then false; the sandbox is gone', async () => {
      const sbx = await create()
      assert.equal(await Sandbox.kill(sbx.sandboxId), true)
      assert.equal(await Sandbox.kill(sbx.sandboxId), false)
      await assert.rejects(Sandbox.getInfo(sbx.sandboxId))
      await assert.rejects(Sandbox.connect(sbx.sandboxId), (e) => e instanceof errors.SandboxNotFoundError || /not found/i.test(e.message))
      assert.equal(await Sandbox.kill('nonexistingsandbox'), false)
    })

    test('isRunning is true while it runs and false after kill', async () => {
      const sbx = await create()
      assert.equal(await sbx.isRunning(), true)
      await sbx.kill()
      assert.equal(await sbx.isRunning(), false)
    })
  })
}
