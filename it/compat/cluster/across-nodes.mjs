// The official e2b SDK, configured for one node of a Cove cluster (E2B_DOMAIN, E2B_API_KEY, NODE_EXTRA_CA_CERTS of
// that node), on a sandbox that another node holds (COVE_SANDBOX_ID). Run by ClusterIT (it/src/test/java):
//   COVE_EXPECT=running: commands, files and a port URL work through this node, with both SDK versions;
//   COVE_EXPECT=lost:    the sandbox's node was lost: the SDK sees it as not running, its URL answers 410 node_lost.
import assert from 'node:assert/strict'
import { sdks, fetchUntil } from '../lib/sdks.mjs'

const id = process.env.COVE_SANDBOX_ID
const expect = process.env.COVE_EXPECT ?? 'running'

for (const { version, Sandbox, errors } of sdks) {
  if (expect === 'lost') {
    await assert.rejects(Sandbox.connect(id), errors.NotFoundError)
    const res = await fetch(`https://8000-${id}.${process.env.E2B_DOMAIN}/`, { headers: { accept: 'application/json' } })
    assert.equal(res.status, 410)
    assert.equal((await res.json()).reason, 'node_lost')
    console.log(`e2b ${version}: node_lost seen`)
    continue
  }
  const sbx = await Sandbox.connect(id)
  assert.ok(sbx.sandboxDomain === undefined || sbx.sandboxDomain === process.env.E2B_DOMAIN,
    `the node asked answers with its own domain, got ${sbx.sandboxDomain}`)
  const r = await sbx.commands.run('echo across && id -un')
  assert.equal(r.exitCode, 0)
  assert.equal(r.stdout, 'across\nuser\n')
  const dir = `/home/user/www-${version}`
  await sbx.files.write(`${dir}/index.html`, `hello from e2b ${version}`)
  assert.equal(await sbx.files.read(`${dir}/index.html`), `hello from e2b ${version}`)
  const port = version === '2.51.0' ? 8100 : 8101
  const server = await sbx.commands.run(`cd ${dir} && python3 -m http.server ${port}`, { background: true })
  const url = `https://${sbx.getHost(port)}/`
  assert.ok(url.includes(process.env.E2B_DOMAIN), url)
  const res = await fetchUntil(url, {}, (r) => r.status === 200)
  assert.equal(res.status, 200)
  assert.equal(await res.text(), `hello from e2b ${version}`)
  assert.equal(await sbx.isRunning(), true)
  await server.kill()
  console.log(`e2b ${version}: commands, files and ${url} through this node`)
}
process.exit(0) // nothing else to wait for (a background command's stream would keep node alive)
