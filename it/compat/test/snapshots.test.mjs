// Snapshots and fork through the official SDK: createSnapshot (unnamed and named), listSnapshots (filtered by
// sandbox and by name, paged), deleteSnapshot (refused while a sandbox made from it runs), Sandbox.create(snapshotId)
// with the source's files, owners and deletions, fork (count 2, files carried, forks independent), and a killed
// sandbox's fork answered with SandboxNotFoundError. A snapshot carries the file system only: processes running in
// the source are not running in its copies (Cove says so in a field and a header the SDK ignores).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, api } from '../lib/sdks.mjs'

for (const { version, Sandbox, errors } of sdks) {
  describe(`e2b ${version}: snapshots and fork`, () => {
    const made = []
    const snapshots = []
    const track = (sbx) => { if (sbx instanceof Sandbox) made.push(sbx); return sbx }
    const tag = `${version.replace(/\./g, '')}-${Date.now().toString(36)}`
    let src

    before(async () => {
      src = track(await Sandbox.create('base', { timeoutMs: 300_000, metadata: { suite: 'snapshots' } }))
      await src.files.write('/home/user/notes/hello.txt', 'hello from the source\n')
      await src.commands.run('mkdir -p /srv/data && echo root-only > /srv/data/secret && chmod 600 /srv/data/secret'
        + ' && chown 1000:1000 /srv/data && rm /etc/issue && ln -s /srv/data/secret /home/user/link',
      { user: 'root' })
      await src.commands.run('sleep 600', { background: true })
    })
    after(async () => {
      for (const s of made) await s.kill().catch(() => {})
      for (const id of snapshots) await Sandbox.deleteSnapshot(id).catch(() => {})
    })

    /** The state a copy of the source must show: files, owners, the deletion and the link; no running sleep. */
    const assertCopyOfSource = async (copy) => {
      assert.equal(await copy.files.read('/home/user/notes/hello.txt'), 'hello from the source\n')
      const owners = await copy.commands.run('stat -c "%U %a" /home/user/notes/hello.txt /srv/data/secret /srv/data'
        + ' && readlink /home/user/link && (test -e /etc/issue && echo issue-present || echo issue-deleted)',
      { user: 'root' })
      assert.equal(owners.stdout, 'user 644\nroot 600\nuser 755\n/srv/data/secret\nissue-deleted\n')
      assert.equal((await copy.commands.run('cat /srv/data/secret', { user: 'root' })).stdout, 'root-only\n')
      const sleeping = await copy.commands.run('pgrep -fx "sleep 600" || echo none')
      assert.equal(sleeping.stdout, 'none\n', 'running processes are not carried into a copy')
    }

    test('createSnapshot, then a sandbox made from it has the files, owners and deletions', async () => {
      const snap = await src.createSnapshot()
      snapshots.push(snap.snapshotId)
      assert.match(snap.snapshotId, /^[a-z0-9]+$/)
      assert.deepEqual(snap.names, [])
      assert.equal(await src.isRunning(), true, 'the source runs on after the capture')
      assert.equal((await src.commands.run('pgrep -fx "sleep 600" >/dev/null && echo still')).stdout, 'still\n')

      const copy = track(await Sandbox.create(snap.snapshotId, { timeoutMs: 120_000 }))
      await assertCopyOfSource(copy)
      assert.equal((await Sandbox.getInfo(copy.sandboxId)).templateId, snap.snapshotId)
      await copy.files.write('/home/user/notes/hello.txt', 'changed in the copy\n')
      assert.equal(await src.files.read('/home/user/notes/hello.txt'), 'hello from the source\n')
    })

    test('the answer says a snapshot carries the file system only', async () => {
      const res = await fetch(`https://api.${process.env.E2B_DOMAIN}/sandboxes/${src.sandboxId}/snapshots`, {
        method: 'POST', headers: { 'X-API-KEY': process.env.E2B_API_KEY, 'content-type': 'application/json' }, body: '{}',
      })
      assert.equal(res.status, 201)
      const body = await res.json()
      snapshots.push(body.snapshotID)
      assert.equal(body.contents, 'filesystem')
      assert.match(res.headers.get('x-cove-snapshot-contents'), /memory and running processes are not/)
    })

    test('named snapshots: the name is the id, a list filters by sandbox and by name, pages with nextToken', async () => {
      const name = `named-${tag}`
      const snap = await src.createSnapshot({ name })
      snapshots.push(snap.snapshotId)
      assert.equal(snap.snapshotId, name)
      assert.deepEqual(snap.names, [name])

      const bySandbox = await Sandbox.listSnapshots({ sandboxId: src.sandboxId }).nextItems()
      assert.ok(bySandbox.length >= 3, `three snapshots of the source, got ${JSON.stringify(bySandbox)}`)
      assert.deepEqual(bySandbox[0], { snapshotId: name, names: [name] }, 'newest first')
      const mine = await src.listSnapshots().nextItems()
      assert.deepEqual(mine.map((s) => s.snapshotId), bySandbox.map((s) => s.snapshotId))

      const byName = await Sandbox.listSnapshots({ name }).nextItems()
      assert.deepEqual(byName, [{ snapshotId: name, names: [name] }])
      assert.deepEqual(await Sandbox.listSnapshots({ name: `${name}:default` }).nextItems(), byName)
      assert.deepEqual(await Sandbox.listSnapshots({ name: `nosuch-${tag}` }).nextItems(), [])

      const pages = Sandbox.listSnapshots({ sandboxId: src.sandboxId, limit: 2 })
      const first = await pages.nextItems()
      assert.equal(first.length, 2)
      assert.equal(pages.hasNext, true)
      const rest = []
      while (pages.hasNext) rest.push(...await pages.nextItems())
      assert.deepEqual([...first, ...rest].map((s) => s.snapshotId), bySandbox.map((s) => s.snapshotId))

      const copy = track(await Sandbox.create(name, { timeoutMs: 60_000 }))
      assert.equal(await copy.files.read('/home/user/notes/hello.txt'), 'hello from the source\n')

      // the same name again: the same snapshot with the source's files as they are now
      await src.files.write('/home/user/notes/hello.txt', 'second version\n')
      assert.equal((await src.createSnapshot({ name })).snapshotId, name)
      const second = track(await Sandbox.create(name, { timeoutMs: 60_000 }))
      assert.equal(await second.files.read('/home/user/notes/hello.txt'), 'second version\n')
      assert.equal(await copy.files.read('/home/user/notes/hello.txt'), 'hello from the source\n',
        'a sandbox made from the earlier version keeps it')
      await src.files.write('/home/user/notes/hello.txt', 'hello from the source\n')
    })

    test('names follow E2B rules: a bad name is a 400 that says why', async () => {
      await assert.rejects(src.createSnapshot({ name: 'Not a name!' }),
        (e) => e instanceof errors.SandboxError && /^400: Invalid name/.test(e.message))
      await assert.rejects(src.createSnapshot({ name: 'base' }),
        (e) => e instanceof errors.SandboxError && /^409: .*name of a template/.test(e.message))
    })

    test('deleteSnapshot: refused while a sandbox made from it runs, then true, then false', async () => {
      const snap = await src.createSnapshot({ name: `delete-${tag}` })
      const copy = track(await Sandbox.create(snap.snapshotId, { timeoutMs: 60_000 }))
      await assert.rejects(Sandbox.deleteSnapshot(snap.snapshotId),
        (e) => e instanceof errors.SandboxError && /^409: .*kill it first/.test(e.message))
      await copy.kill()
      assert.equal(await Sandbox.deleteSnapshot(snap.snapshotId), true)
      assert.equal(await Sandbox.deleteSnapshot(snap.snapshotId), false)
      assert.deepEqual(await Sandbox.listSnapshots({ name: snap.snapshotId }).nextItems(), [])
      await assert.rejects(Sandbox.create(snap.snapshotId, { timeoutMs: 60_000 }),
        (e) => e instanceof errors.SandboxError && /404/.test(e.message))
    })

    test('fork: two sandboxes with the source files, independent of each other and of the source', async () => {
      const forks = (await src.fork({ count: 2, timeoutMs: 120_000 })).map(track)
      assert.equal(forks.length, 2)
      for (const f of forks) assert.ok(f instanceof Sandbox, `fork failed: ${f?.message}`)
      assert.notEqual(forks[0].sandboxId, forks[1].sandboxId)
      for (const f of forks) await assertCopyOfSource(f)
      await forks[0].files.write('/home/user/notes/hello.txt', 'fork 0 only\n')
      assert.equal(await forks[1].files.read('/home/user/notes/hello.txt'), 'hello from the source\n')
      assert.equal(await src.files.read('/home/user/notes/hello.txt'), 'hello from the source\n')
      assert.equal(await src.isRunning(), true)
      const listed = await Sandbox.list({ query: { metadata: { suite: 'snapshots' } } }).nextItems()
      for (const f of forks) assert.ok(listed.some((s) => s.sandboxId === f.sandboxId), 'forks keep the metadata')
    })

    test('fork of a killed sandbox: SandboxNotFoundError', async () => {
      const gone = await Sandbox.create('base', { timeoutMs: 60_000 })
      await gone.kill()
      await assert.rejects(gone.fork({ count: 1 }), (e) => e instanceof errors.SandboxNotFoundError)
      await assert.rejects(Sandbox.fork('nosuchsandbox0000000', { count: 1 }),
        (e) => e instanceof errors.SandboxNotFoundError)
      await assert.rejects(gone.createSnapshot(), (e) => e instanceof errors.SandboxNotFoundError)
    })
  })
}

test('the REST answers of fork: count out of range is a 400', async () => {
  const r = await api('POST', '/sandboxes/nosuchsandbox0000000/fork', { count: 101 })
  assert.equal(r.status, 400)
  assert.match(r.json.message, /count must be between 1 and 100/)
})
