// File API behaviour that must match E2B's envd (issue 24), through the official SDK unchanged: writes as the default
// user create what is missing as root and give it to the user, remove of a missing path is a no-op, and listings come
// in lexical pre-order.
import { describe, test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { sdks } from '../lib/sdks.mjs'

for (const { version, Sandbox } of sdks) {
  describe(`e2b ${version}: file API parity with envd`, () => {
    let sbx
    before(async () => { sbx = await Sandbox.create('base', { timeoutMs: 300_000, metadata: { suite: 'parity-files' } }) })
    after(async () => { await sbx?.kill().catch(() => {}) })

    const owners = async (...paths) =>
      (await sbx.commands.run(`stat -c '%n %U:%G' ${paths.join(' ')}`, { user: 'root' })).stdout

    test('write and makeDir as the default user where only root may create: made by root, given to user', async () => {
      assert.equal((await sbx.files.write('/0/x.txt', 'zero')).path, '/0/x.txt')
      assert.equal((await sbx.files.write('/opt/app/x.txt', 'app')).path, '/opt/app/x.txt')
      assert.equal(await sbx.files.makeDir('/srv/work'), true)
      assert.equal(await owners('/0', '/0/x.txt', '/opt', '/opt/app', '/opt/app/x.txt', '/srv', '/srv/work'),
        '/0 user:user\n/0/x.txt user:user\n/opt root:root\n/opt/app user:user\n/opt/app/x.txt user:user\n' +
        '/srv root:root\n/srv/work user:user\n')
      assert.equal(await sbx.files.read('/opt/app/x.txt'), 'app')
      // the user owns what was made: it writes there itself
      assert.equal((await sbx.commands.run('echo more > /srv/work/y && cat /srv/work/y')).stdout, 'more\n')
    })

    test('rename as the default user makes the destination\'s missing parents for user', async () => {
      await sbx.files.write('/home/user/moving.txt', 'moved')
      const e = await sbx.files.rename('/home/user/moving.txt', '/opt/moved/here.txt')
      assert.equal(e.path, '/opt/moved/here.txt')
      assert.equal(await owners('/opt/moved', '/opt/moved/here.txt'), '/opt/moved user:user\n/opt/moved/here.txt user:user\n')
    })

    test('remove of a missing path resolves', async () => {
      await sbx.files.remove('/home/user/never-there')
      await sbx.files.remove('/home/user/no/such/dir/x')
      assert.equal(await sbx.files.exists('/home/user/never-there'), false)
    })

    test('list: each directory\'s entries sorted by name, subdirectories walked right after themselves', async () => {
      // made in an order that is neither sorted nor reversed; the directory's own order is a hash order
      await sbx.commands.run('mkdir -p /home/user/order && cd /home/user/order && ' +
        'mkdir zeta alpha m-dir && touch zeta/b zeta/a zeta/_c alpha/y alpha/x mid.txt Beta.txt _u.txt c10 c2 ' +
        'm-dir/2 m-dir/10 m-dir/1')
      const one = (await sbx.files.list('/home/user/order')).map((e) => e.name)
      assert.deepEqual(one, ['Beta.txt', '_u.txt', 'alpha', 'c10', 'c2', 'm-dir', 'mid.txt', 'zeta'])
      const two = (await sbx.files.list('/home/user/order', { depth: 2 })).map((e) => e.path.slice('/home/user/order/'.length))
      assert.deepEqual(two, ['Beta.txt', '_u.txt', 'alpha', 'alpha/x', 'alpha/y', 'c10', 'c2',
        'm-dir', 'm-dir/1', 'm-dir/10', 'm-dir/2', 'mid.txt', 'zeta', 'zeta/_c', 'zeta/a', 'zeta/b'])
    })
  })
}
