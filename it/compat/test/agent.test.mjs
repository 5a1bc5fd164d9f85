// Sandbox agent API (E2B's envd) scenarios with the official SDK, unchanged: commands, stdin, background
// processes and re-attach, PTY, files, watch, signed URLs. The SDK reaches https://49983-<id>.<domain> through the edge.
import { describe, test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { sdks, sleep } from '../lib/sdks.mjs'

for (const { version, Sandbox, errors } of sdks) {
  describe(`e2b ${version}: sandbox agent API`, () => {
    let sbx
    before(async () => { sbx = await Sandbox.create('base', { timeoutMs: 300_000, secure: true, metadata: { suite: 'agent' } }) })
    after(async () => { await sbx?.kill().catch(() => {}) })

    test('commands.run: output, exit codes, env, cwd, user', async () => {
      const r = await sbx.commands.run('echo hi; echo err >&2')
      assert.equal(r.stdout, 'hi\n')
      assert.equal(r.stderr, 'err\n')
      assert.equal(r.exitCode, 0)
      await assert.rejects(sbx.commands.run('exit 3'), (e) => e instanceof errors.CommandExitError && e.exitCode === 3)
      const env = await sbx.commands.run('echo $FOO; pwd; id -un', { envs: { FOO: 'bar' }, cwd: '/tmp' })
      assert.equal(env.stdout, 'bar\n/tmp\nuser\n')
      assert.equal((await sbx.commands.run('id -u', { user: 'root' })).stdout, '0\n')
      const lines = []
      await sbx.commands.run('for i in 1 2 3; do echo $i; done', { onStdout: (d) => lines.push(d) })
      assert.equal(lines.join(''), '1\n2\n3\n')
    })

    test('background process: list, stdin, connect, kill', async () => {
      const h = await sbx.commands.run('cat', { background: true, stdin: true })
      assert.ok(h.pid > 0)
      const listed = await sbx.commands.list()
      assert.ok(listed.some((p) => p.pid === h.pid))
      let seen = ''
      const again = await sbx.commands.connect(h.pid, { onStdout: (d) => { seen += d } })
      await sbx.commands.sendStdin(h.pid, 'through stdin\n')
      for (let i = 0; i < 50 && !seen.includes('through stdin'); i++) await sleep(100)
      assert.match(seen, /through stdin/)
      assert.equal(await sbx.commands.kill(h.pid), true)
      await assert.rejects(again.wait())
      assert.equal(await sbx.commands.kill(h.pid), false)
    })

    test('pty: create, input, resize, kill', async () => {
      let out = ''
      const decoder = new TextDecoder()
      const term = await sbx.pty.create({ cols: 80, rows: 24, onData: (d) => { out += decoder.decode(d) } })
      await sbx.pty.sendInput(term.pid, new TextEncoder().encode('stty size\n'))
      for (let i = 0; i < 50 && !out.includes('24 80'); i++) await sleep(100)
      assert.match(out, /24 80/)
      await sbx.pty.resize(term.pid, { cols: 100, rows: 30 })
      await sbx.pty.sendInput(term.pid, new TextEncoder().encode('stty size\n'))
      for (let i = 0; i < 50 && !out.includes('30 100'); i++) await sleep(100)
      assert.match(out, /30 100/)
      assert.equal(await sbx.pty.kill(term.pid), true)
    })

    test('files: write, read, list, info, rename, remove, errors', async () => {
      const w = await sbx.files.write('/home/user/compat/a.txt', 'hello')
      assert.equal(w.path, '/home/user/compat/a.txt')
      assert.equal(await sbx.files.read('/home/user/compat/a.txt'), 'hello')
      assert.equal(await sbx.files.read('compat/a.txt'), 'hello')
      const list = await sbx.files.list('/home/user/compat')
      assert.deepEqual(list.map((e) => e.name), ['a.txt'])
      assert.equal(list[0].type, 'file')
      const info = await sbx.files.getInfo('/home/user/compat/a.txt')
      assert.equal(info.size, 5)
      assert.equal(info.owner, 'user')
      assert.equal(info.permissions, '-rw-r--r--')
      assert.equal(await sbx.files.exists('/home/user/compat/a.txt'), true)
      assert.equal(await sbx.files.exists('/home/user/compat/nope'), false)
      assert.equal(await sbx.files.makeDir('/home/user/compat/d'), true)
      assert.equal(await sbx.files.makeDir('/home/user/compat/d'), false)
      await sbx.files.rename('/home/user/compat/a.txt', '/home/user/compat/d/b.txt')
      assert.equal(await sbx.files.read('/home/user/compat/d/b.txt'), 'hello')
      await sbx.files.remove('/home/user/compat')
      await assert.rejects(sbx.files.read('/home/user/compat/d/b.txt'), (e) => e instanceof errors.FileNotFoundError || e instanceof errors.NotFoundError)
      const bytes = new Uint8Array(1 << 20).fill(7)
      await sbx.files.write('/home/user/big.bin', bytes)
      const back = await sbx.files.read('/home/user/big.bin', { format: 'bytes' })
      assert.equal(back.length, bytes.length)
    })

    test('watchDir sees writes made inside the sandbox', async () => {
      await sbx.files.makeDir('/home/user/watched')
      const events = []
      const handle = await sbx.files.watchDir('/home/user/watched', (e) => events.push(e))
      await sbx.commands.run('echo x > /home/user/watched/f.txt')
      for (let i = 0; i < 50 && !events.some((e) => e.name === 'f.txt'); i++) await sleep(100)
      await handle.stop()
      assert.ok(events.some((e) => e.name === 'f.txt' && e.type === 'create'), JSON.stringify(events))
    })

    test('signed download URL; isRunning', async () => {
      await sbx.files.write('/home/user/signed.txt', 'signed content')
      const url = await sbx.downloadUrl('/home/user/signed.txt')
      assert.match(url, /signature=v1_/)
      const res = await fetch(url)
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'signed content')
      assert.equal(await sbx.isRunning(), true)
    })
  })
}
