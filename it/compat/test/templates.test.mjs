// Templates built with the official SDK's Template builder (2.51.0), unchanged: aptInstall, runCmd, copy of a local
// folder, setEnvs, setWorkdir, setUser and a start command with waitForPort. Sandboxes of the template (created by
// alias with both SDK versions) have the tools, files and env, and the server the start command runs answers the
// first request through its URL. A rebuild with the same steps takes every layer from the cache; changing the last
// step runs only that step; a failing step fails the build with the step, its command, exit code and output.
// npmInstall works where npm's registry is re-signed by a CA only the host trusts: the server runs with
// --sandbox-host-trust builds. Run by ./cove test (run.sh with COVE_COMPAT_EGRESS=registries: sandboxes reach the
// registries of the host's apt sources and npm config).
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sdks, api } from '../lib/sdks.mjs'

const { sdk } = sdks[0] // the Template builder is the 2.51.0 SDK's
const { Template, waitForPort, BuildError } = sdk
const name = `compat-tpl-${Date.now().toString(36)}`
const context = mkdtempSync(join(tmpdir(), 'cove-tpl-'))

function template(lastStep) {
  return Template({ fileContextPath: context })
    .fromBaseImage()
    .aptInstall(['jq'])
    .runCmd('echo built-by-runCmd > /home/user/built.txt')
    .copy('app', '/home/user/app')
    .setEnvs({ GREETING: 'hello-from-template' })
    .setWorkdir('/home/user/app')
    .setUser('user')
    .runCmd(lastStep)
    .setStartCmd('python3 -m http.server 8080', waitForPort(8080))
}

async function build(tpl, templateName) {
  const logs = []
  const t0 = Date.now()
  await Template.build(tpl, templateName, { onBuildLogs: (e) => logs.push(e.message) })
  return { ms: Date.now() - t0, logs }
}

const cached = (logs) => logs.filter((l) => /^CACHED \[\d+\/\d+\]/.test(l))
const ran = (logs) => logs.filter((l) => /^\[\d+\/\d+\] (RUN|COPY|WORKDIR)/.test(l))

describe('e2b 2.51.0: Template.build', () => {
  let first
  const created = []
  before(() => {
    mkdirSync(join(context, 'app', 'sub'), { recursive: true })
    writeFileSync(join(context, 'app', 'index.html'), 'hello from copy')
    writeFileSync(join(context, 'app', 'sub', 'data.txt'), 'nested file')
  })
  after(async () => {
    for (const s of created) await s.kill().catch(() => {})
    await api('DELETE', `/templates/${name}`).catch(() => {})
    await api('DELETE', `/templates/${name}-bad`).catch(() => {})
    rmSync(context, { recursive: true, force: true })
  })

  test('a cold build runs every step, with step numbers in its logs', async () => {
    first = await build(template('echo "$GREETING" > env-at-build.txt'), name)
    console.log(`cold build: ${first.ms} ms`)
    assert.deepEqual(cached(first.logs), [])
    const steps = ran(first.logs)
    assert.equal(steps.length, 5, steps.join('\n')) // aptInstall, runCmd, copy, setWorkdir, runCmd
    assert.match(steps[0], /^\[1\/7\] RUN apt-get update/)
    assert.ok(first.logs.some((l) => /Setting up jq/.test(l)), 'apt-get output streams to onBuildLogs')
    assert.ok(first.logs.some((l) => /^\[finalize\] ready in/.test(l)), first.logs.slice(-5).join('\n'))
  })

  for (const { version, Sandbox } of sdks) {
    test(`Sandbox.create(alias) with ${version}: tools, files, env, and the server answers at once`, async () => {
      const sbx = await Sandbox.create(name, { timeoutMs: 120_000 })
      created.push(sbx)
      // the start command's server was ready before create returned: the first request answers
      const res = await fetch(`https://${sbx.getHost(8080)}/index.html`)
      assert.equal(res.status, 200)
      assert.equal(await res.text(), 'hello from copy')
      assert.equal((await sbx.commands.run('jq -n 1+1')).stdout.trim(), '2')
      assert.equal((await sbx.commands.run('cat /home/user/built.txt')).stdout, 'built-by-runCmd\n')
      assert.equal((await sbx.commands.run('cat /home/user/app/sub/data.txt')).stdout, 'nested file')
      assert.equal((await sbx.commands.run('echo $GREETING')).stdout, 'hello-from-template\n')
      assert.equal((await sbx.commands.run('cat /home/user/app/env-at-build.txt')).stdout, 'hello-from-template\n')
      assert.equal((await sbx.commands.run('stat -c %U /home/user/app /home/user/app/index.html /home/user/app/env-at-build.txt')).stdout,
        'user\nuser\nuser\n')
      assert.equal((await sbx.commands.run('ps -o user= -C python3')).stdout.trim(), 'user')
      const info = await sbx.getInfo()
      assert.equal(info.name ?? info.alias ?? name, name)
    })
  }

  test('deleting a template in use is refused; GET /templates shows it with its layers', async () => {
    const list = await api('GET', '/templates')
    assert.equal(list.status, 200)
    const mine = list.json.find((t) => t.names.includes(name))
    assert.ok(mine, JSON.stringify(list.json))
    assert.equal(mine.buildStatus, 'ready')
    assert.ok(mine.layersBytes > 0)
    const refused = await api('DELETE', `/templates/${name}`)
    assert.equal(refused.status, 409)
    assert.match(refused.json.message, /in use by/)
  })

  test('a rebuild with the same steps takes every layer from the cache, in a fraction of the time', async () => {
    const again = await build(template('echo "$GREETING" > env-at-build.txt'), name)
    console.log(`cached rebuild: ${again.ms} ms (cold ${first.ms} ms)`)
    assert.equal(cached(again.logs).length, 5, again.logs.join('\n'))
    assert.deepEqual(ran(again.logs), [])
    assert.ok(again.ms * 3 < first.ms, `cached ${again.ms} ms, cold ${first.ms} ms`)
  })

  test('changing the last step runs only that step', async () => {
    const changed = await build(template('echo changed > changed.txt'), name)
    assert.equal(cached(changed.logs).length, 4, changed.logs.join('\n'))
    const steps = ran(changed.logs)
    assert.equal(steps.length, 1, steps.join('\n'))
    assert.match(steps[0], /^\[7\/7\] RUN echo changed/)
    const sbx = await sdks[0].Sandbox.create(name, { timeoutMs: 60_000 })
    created.push(sbx)
    assert.equal((await sbx.commands.run('cat /home/user/app/changed.txt')).stdout, 'changed\n')
    assert.equal((await sbx.commands.run('test -e /home/user/app/env-at-build.txt && echo there || echo gone')).stdout,
      'gone\n')
  })

  test('a failing step fails the build with the step, its command, exit code and output', async () => {
    const bad = Template().fromBaseImage()
      .runCmd('echo step-one-ok')
      .runCmd('echo about to fail; echo "no such thing: /opt/missing" >&2; exit 7')
    await assert.rejects(Template.build(bad, `${name}-bad`), (e) => {
      assert.ok(e instanceof BuildError, `${e?.constructor?.name}: ${e?.message}`)
      assert.match(e.message, /step 2/)
      assert.match(e.message, /exit 7/)
      assert.match(e.message, /exit code 7/)
      assert.match(e.message, /no such thing: \/opt\/missing/)
      return true
    })
  })

  test('npmInstall through the host\'s CA bundle (--sandbox-host-trust builds), on top of another template', async () => {
    const npmName = `${name}-npm`
    const tpl = Template().fromTemplate(name)
      .aptInstall(['npm'], { noInstallRecommends: true })
      .npmInstall(['left-pad@1.3.0'], { g: true })
    try {
      const { ms, logs } = await build(tpl, npmName)
      console.log(`npm template build: ${ms} ms`)
      assert.equal(cached(logs).length, 0, 'fromTemplate starts from the layers of the other template')
      const sbx = await sdks[0].Sandbox.create(npmName, { timeoutMs: 60_000 })
      created.push(sbx)
      const out = await sbx.commands.run(`node -e "console.log(require('/usr/local/lib/node_modules/left-pad')('7', 3, '0'))"`)
      assert.equal(out.stdout, '007\n')
      // the template's own files and env came along; the host's CA bundle did not (it was mounted, not written)
      assert.equal((await sbx.commands.run('cat /home/user/app/changed.txt; echo $GREETING')).stdout, 'changed\nhello-from-template\n')
      assert.equal((await sbx.commands.run('test -e /run/cove/host-ca.crt && echo mounted || echo absent; echo "[$NODE_EXTRA_CA_CERTS]"')).stdout,
        'absent\n[]\n')
      for (const s of created.splice(created.indexOf(sbx), 1)) await s.kill()
    } finally {
      await api('DELETE', `/templates/${npmName}`)
    }
  })

  test('pipInstall from a package index the test serves itself (PyPI is not reachable here)', async () => {
    // a PEP 503 index with one pure-Python wheel, made here and copied in; pip reads it through PIP_INDEX_URL
    execFileSync('python3', ['-c', `
import base64, hashlib, os, sys, zipfile
root = sys.argv[1]; os.makedirs(root + '/simple/coveprobe', exist_ok=True)
name = 'coveprobe-1.0-py3-none-any.whl'; files = {
  'coveprobe/__init__.py': 'VALUE = "served by the test"\\n',
  'coveprobe-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: coveprobe\\nVersion: 1.0\\n',
  'coveprobe-1.0.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: cove-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'}
def h(b): return 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b'=').decode()
record = ''.join(f'{p},{h(c.encode())},{len(c.encode())}\\n' for p, c in files.items()) + 'coveprobe-1.0.dist-info/RECORD,,\\n'
with zipfile.ZipFile(f'{root}/simple/coveprobe/{name}', 'w') as z:
  for p, c in files.items(): z.writestr(p, c)
  z.writestr('coveprobe-1.0.dist-info/RECORD', record)
open(f'{root}/simple/coveprobe/index.html', 'w').write(f'<a href="{name}">{name}</a>')
open(f'{root}/simple/index.html', 'w').write('<a href="coveprobe/">coveprobe</a>')
`, join(context, 'pypi')])
    const pipName = `${name}-pip`
    const tpl = Template({ fileContextPath: context }).fromTemplate(name)
      .copy('pypi', '/srv/pypi')
      .setEnvs({ PIP_INDEX_URL: 'file:///srv/pypi/simple' })
      .pipInstall(['coveprobe'])
    try {
      await build(tpl, pipName)
      const sbx = await sdks[0].Sandbox.create(pipName, { timeoutMs: 60_000 })
      created.push(sbx)
      assert.equal((await sbx.commands.run('python3 -c "import coveprobe; print(coveprobe.VALUE)"')).stdout,
        'served by the test\n')
      for (const s of created.splice(created.indexOf(sbx), 1)) await s.kill()
    } finally {
      await api('DELETE', `/templates/${pipName}`)
    }
  })

  test('once no sandbox uses it, the template is deleted and its alias is gone', async () => {
    for (const s of created.splice(0)) await s.kill()
    const del = await api('DELETE', `/templates/${name}`)
    assert.equal(del.status, 204)
    await assert.rejects(sdks[0].Sandbox.create(name), /not found/)
    assert.equal(await Template.exists(name), false)
  })
})
