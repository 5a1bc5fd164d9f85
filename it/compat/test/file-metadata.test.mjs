// File metadata as envd 0.6.13 keeps it (issue 24), through the official SDK unchanged: `X-Metadata-*` on upload
// become the file's `user.e2b.*` extended attributes and come back as `metadata` from write, getInfo, list and
// rename; each upload replaces the whole set; attributes set inside the sandbox show too; the server refuses what
// envd refuses.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sdks } from '../lib/sdks.mjs'

for (const { version, Sandbox } of sdks) {
  describe(`e2b ${version}: file metadata`, () => {
    let sbx
    before(async () => { sbx = await Sandbox.create('base', { timeoutMs: 300_000, metadata: { suite: 'file-metadata' } }) })
    after(async () => { await sbx?.kill().catch(() => {}) })

    test('write (multipart and octet-stream) stores it; getInfo returns it; none means undefined', async () => {
      const metadata = { author: 'mish', purpose: 'upload' }
      assert.deepEqual((await sbx.files.write('meta.txt', 'with', { metadata })).metadata, metadata)
      assert.deepEqual((await sbx.files.getInfo('meta.txt')).metadata, metadata)
      const octet = await sbx.files.write('meta-octet.txt', 'with', { metadata, useOctetStream: true })
      assert.deepEqual(octet.metadata, metadata)
      assert.deepEqual((await sbx.files.getInfo('meta-octet.txt')).metadata, metadata)
      assert.equal((await sbx.files.write('plain.txt', 'without')).metadata, undefined)
      assert.equal((await sbx.files.getInfo('plain.txt')).metadata, undefined)
      // stored where envd stores it, as the sandbox sees it
      const attrs = await sbx.commands.run(
        'python3 -c "import os; print(sorted((k, os.getxattr(\'meta.txt\', k).decode()) for k in os.listxattr(\'meta.txt\')))"')
      assert.equal(attrs.stdout.trim(), "[('user.e2b.author', 'mish'), ('user.e2b.purpose', 'upload')]")
    })

    test('writeFiles gives every file the same metadata; list and rename carry it', async () => {
      const infos = await sbx.files.writeFiles([{ path: 'multi_1.txt', data: '1' }, { path: 'multi_2.txt', data: '2' }],
        { metadata: { source: 'test-suite' } })
      assert.equal(infos.length, 2)
      for (const info of infos) {
        assert.deepEqual(info.metadata, { source: 'test-suite' })
        assert.deepEqual((await sbx.files.getInfo(info.path)).metadata, { source: 'test-suite' })
      }
      await sbx.files.makeDir('listed')
      await sbx.files.write('listed/a.txt', 'a', { metadata: { tag: 'listed' } })
      await sbx.files.write('listed/b.txt', 'b')
      const entries = await sbx.files.list('listed')
      assert.deepEqual(entries.map((e) => [e.name, e.metadata]), [['a.txt', { tag: 'listed' }], ['b.txt', undefined]])
      await sbx.files.write('old-name.txt', 'x', { metadata: { stage: 'renamed' } })
      assert.deepEqual((await sbx.files.rename('old-name.txt', 'new-name.txt')).metadata, { stage: 'renamed' })
    })

    test('an upload replaces the whole set: fewer keys drop the others, none clears it', async () => {
      await sbx.files.write('over.txt', 'first', { metadata: { author: 'mish', keep: 'no' } })
      assert.deepEqual((await sbx.files.write('over.txt', 'second', { metadata: { author: 'cove' } })).metadata,
        { author: 'cove' })
      assert.equal((await sbx.files.write('over.txt', 'third')).metadata, undefined)
      assert.equal((await sbx.files.getInfo('over.txt')).metadata, undefined)
    })

    test('written as the default user in a place only root may create, and on directories set inside', async () => {
      const made = await sbx.files.write('/opt/meta/x.txt', 'x', { metadata: { owner: 'user' } })
      assert.deepEqual(made.metadata, { owner: 'user' })
      await sbx.commands.run('mkdir -p /home/user/tagged && python3 -c "import os; ' +
        "os.setxattr('/home/user/plain.txt', 'user.e2b.author', b'mish'); " +
        "os.setxattr('/home/user/tagged', 'user.e2b.kind', b'dir'); os.setxattr('/home/user/tagged', 'user.other', b'no')\"")
      assert.deepEqual((await sbx.files.getInfo('plain.txt')).metadata, { author: 'mish' })
      // only the user.e2b. namespace is metadata
      assert.deepEqual((await sbx.files.getInfo('/home/user/tagged')).metadata, { kind: 'dir' })
    })

    test('the server refuses what envd refuses: too large in all, non-ASCII', async () => {
      const url = await sbx.uploadUrl('/home/user/refused.txt')
      const form = () => { const f = new FormData(); f.append('file', new Blob(['x']), 'refused.txt'); return f }
      const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`X-Metadata-k${i}`, 'v'.repeat(900)]))
      const tooLarge = await fetch(url, { method: 'POST', body: form(), headers: big })
      assert.equal(tooLarge.status, 400)
      assert.match((await tooLarge.json()).message, /larger than 4096 bytes/)
      const latin = await fetch(url, { method: 'POST', body: form(), headers: { 'X-Metadata-name': 'caf\u00e9' } })
      assert.equal(latin.status, 400)
      assert.equal(await sbx.files.exists('/home/user/refused.txt'), false)
    })
  })
}
