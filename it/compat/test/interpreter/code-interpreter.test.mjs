// The official @e2b/code-interpreter SDK, unchanged, against Cove's code-interpreter-v1 template (issue 23). The
// server runs with the shipped port default (private): the SDK's own E2B-Traffic-Access-Token gets its requests to
// port 49999 through, a request without it does not. Configured only by E2B_DOMAIN, E2B_API_KEY and Cove's CA.
import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Sandbox, TimeoutError } from '@e2b/code-interpreter'

describe('@e2b/code-interpreter 2.8.0 on code-interpreter-v1', () => {
  let sbx
  before(async () => {
    sbx = await Sandbox.create({ timeoutMs: 300_000 }) // the SDK's default template: code-interpreter-v1
  })
  after(async () => { await sbx?.kill().catch(() => {}) })

  test('state stays across runCode calls', async () => {
    await sbx.runCode('counter = 41')
    const execution = await sbx.runCode('counter + 1')
    assert.equal(execution.text, '42')
    assert.equal(execution.error, undefined)
    assert.ok(execution.executionCount >= 2)
  })

  test('onStdout and onStderr get lines while the code still runs', async () => {
    const seen = []
    const started = Date.now()
    const execution = await sbx.runCode(
      "import sys, time\nprint('first', flush=True)\nprint('warn', file=sys.stderr, flush=True)\ntime.sleep(2)\nprint('second')",
      {
        onStdout: (m) => seen.push({ stream: 'out', line: m.line, at: Date.now() - started }),
        onStderr: (m) => seen.push({ stream: 'err', line: m.line, at: Date.now() - started }),
      })
    const ended = Date.now() - started
    assert.deepEqual(seen.map((s) => [s.stream, s.line]), [['out', 'first\n'], ['err', 'warn\n'], ['out', 'second\n']])
    assert.ok(seen[0].at < ended - 1500, `the first line came at ${seen[0].at} ms, the execution ended at ${ended} ms`)
    assert.deepEqual(execution.logs, { stdout: ['first\n', 'second\n'], stderr: ['warn\n'] })
  })

  test('a matplotlib plot returns a PNG and a typed chart', async () => {
    const execution = await sbx.runCode(`
import matplotlib.pyplot as plt
plt.plot([1, 2, 3], [2, 4, 8], label='doubling')
plt.title('Growth')
plt.xlabel('Day (d)')
plt.show()`)
    assert.equal(execution.error, undefined)
    const [result] = execution.results
    assert.match(result.png, /^iVBORw0KGgo/) // base64 of the PNG signature
    assert.ok(Buffer.from(result.png, 'base64').length > 1000)
    assert.equal(result.chart.type, 'line')
    assert.equal(result.chart.title, 'Growth')
    assert.equal(result.chart.x_label, 'Day (d)')
    assert.equal(result.chart.x_unit, 'd')
    assert.deepEqual(result.chart.elements, [{ label: 'doubling', points: [[1, 2], [2, 4], [3, 8]] }])
    assert.ok(result.formats().includes('png'))
  })

  test('bar and pie charts are typed too', async () => {
    const bar = await sbx.runCode("import matplotlib.pyplot as plt\nplt.bar(['a', 'b'], [3, 5])\nplt.show()")
    assert.equal(bar.results[0].chart.type, 'bar')
    assert.deepEqual(bar.results[0].chart.elements.map((e) => [e.label, e.value]), [['a', 3], ['b', 5]])
    const pie = await sbx.runCode("import matplotlib.pyplot as plt\nplt.pie([1, 3], labels=['x', 'y'])\nplt.show()")
    assert.equal(pie.results[0].chart.type, 'pie')
    assert.deepEqual(pie.results[0].chart.elements.map((e) => [e.label, e.angle]), [['x', 90], ['y', 270]])
  })

  test('a pandas DataFrame returns HTML', async () => {
    const execution = await sbx.runCode("import pandas as pd\npd.DataFrame({'city': ['Oslo', 'Lima'], 'temp': [3, 19]})")
    const [result] = execution.results
    assert.equal(result.isMainResult, true)
    assert.match(result.html, /<table[\s\S]*Oslo[\s\S]*Lima/)
    assert.deepEqual(result.data, { city: ['Oslo', 'Lima'], temp: [3, 19] })
  })

  test('1/0 returns ZeroDivisionError with its traceback', async () => {
    const execution = await sbx.runCode('1/0')
    assert.equal(execution.error.name, 'ZeroDivisionError')
    assert.equal(execution.error.value, 'division by zero')
    assert.match(execution.error.traceback, /----> 1 1\/0/)
    assert.deepEqual(execution.results, [])
  })

  test('envs apply to one execution only', async () => {
    const withEnv = await sbx.runCode("import os\nos.environ.get('GREETING', 'none')", { envs: { GREETING: 'hej' } })
    assert.equal(withEnv.text, 'hej')
    assert.equal((await sbx.runCode("os.environ.get('GREETING', 'none')")).text, 'none')
  })

  test("the sandbox's envs from create are seen by the code, per-run envs override them", async () => {
    const other = await Sandbox.create({ envs: { REGION: 'north' }, timeoutMs: 60_000 })
    try {
      assert.equal((await other.runCode("import os\nos.environ['REGION']")).text, 'north')
      assert.equal((await other.runCode("os.environ['REGION']", { envs: { REGION: 'south' } })).text, 'south')
      assert.equal((await other.runCode("os.environ['REGION']")).text, 'north', 'restored after the run')
      assert.deepEqual((await other.runCode('echo $REGION', { language: 'bash' })).logs.stdout, ['north\n'])
    } finally {
      await other.kill()
    }
  })

  test('createCodeContext({cwd}) is honoured; contexts are listed and removed', async () => {
    const context = await sbx.createCodeContext({ cwd: '/tmp' })
    assert.deepEqual({ language: context.language, cwd: context.cwd }, { language: 'python', cwd: '/tmp' })
    assert.equal((await sbx.runCode('import os\nos.getcwd()', { context })).text, '/tmp')
    const missing = await sbx.runCode('counter', { context }) // another kernel: the default context's state is not here
    assert.equal(missing.error.name, 'NameError')
    assert.ok((await sbx.listCodeContexts()).some((c) => c.id === context.id))
    await sbx.removeCodeContext(context)
    assert.ok(!(await sbx.listCodeContexts()).some((c) => c.id === context.id))
    await assert.rejects(sbx.runCode('1', { context }), (e) => e.name === 'NotFoundError')
  })

  test('JavaScript runs and keeps its state', async () => {
    await sbx.runCode('const base = 40', { language: 'js' })
    const execution = await sbx.runCode("console.log('from node'); base + 2", { language: 'javascript' })
    assert.equal(execution.text, '42')
    assert.deepEqual(execution.logs.stdout, ['from node\n'])
  })

  test('Bash runs and keeps its state', async () => {
    await sbx.runCode('cd /tmp && export PLANET=earth', { language: 'bash' })
    const execution = await sbx.runCode('echo "$PLANET in $(pwd)"', { language: 'bash' })
    assert.deepEqual(execution.logs.stdout, ['earth in /tmp\n'])
    const failed = await sbx.runCode('exit_status_three() { return 3; }; exit_status_three', { language: 'bash' })
    assert.ok(failed.error, 'a failing command is an error')
  })

  test('a long execution hits timeoutMs, and the kernel is usable after', async () => {
    await sbx.runCode("survivor = 'still here'")
    const started = Date.now()
    await assert.rejects(sbx.runCode('import time\ntime.sleep(60)', { timeoutMs: 2000 }), (e) => e instanceof TimeoutError)
    assert.ok(Date.now() - started < 10_000)
    const after = Date.now()
    const execution = await sbx.runCode('survivor')
    assert.equal(execution.text, 'still here', 'the same kernel, interrupted, not restarted')
    assert.ok(Date.now() - after < 15_000, 'the interrupted cell does not hold the kernel')
  })

  test('restartCodeContext clears the state', async () => {
    const context = await sbx.createCodeContext()
    await sbx.runCode('kept = 1', { context })
    assert.equal((await sbx.runCode('kept', { context })).text, '1')
    await sbx.restartCodeContext(context)
    const execution = await sbx.runCode('kept', { context })
    assert.equal(execution.error.name, 'NameError')
    await sbx.removeCodeContext(context)
  })

  test('running code needs the sandbox access token too, which the SDK sends and the code cannot see', async () => {
    assert.ok(sbx.envdAccessToken, 'a secure sandbox (the default) has an access token')
    const url = `https://${sbx.getHost(49999)}/execute`
    const body = JSON.stringify({ code: 'print("ran-" + "here")' })
    // past the edge with the traffic token (as a public port would let anyone), the server itself still refuses
    const base = { 'Content-Type': 'application/json', 'E2B-Traffic-Access-Token': sbx.trafficAccessToken }
    for (const token of [undefined, 'not-the-token']) {
      const headers = token === undefined ? base : { ...base, 'X-Access-Token': token }
      const refused = await fetch(url, { method: 'POST', headers, body })
      assert.equal(refused.status, 401, `X-Access-Token ${token}`)
      assert.doesNotMatch(await refused.text(), /ran-here/)
    }
    const allowed = await fetch(url, { method: 'POST', headers: { ...base, 'X-Access-Token': sbx.envdAccessToken }, body })
    assert.equal(allowed.status, 200)
    assert.match(await allowed.text(), /ran-here/)
    // the server keeps the token to itself: neither the kernel's code nor a command sees it
    const seen = await sbx.runCode("import os\nprint(sorted(k for k in os.environ if 'TOKEN' in k))")
    assert.deepEqual(seen.logs.stdout, ['[]\n'])
    const parent = await sbx.runCode(
      "import os\ntry:\n    open('/proc/%d/environ' % os.getppid(), 'rb').read()\n    print('readable')\n"
      + "except OSError as e:\n    print(type(e).__name__)")
    assert.deepEqual(parent.logs.stdout, ['PermissionError\n'], 'the server\'s own environment is out of reach')
    const env = await sbx.commands.run('env')
    assert.doesNotMatch(env.stdout, new RegExp(sbx.envdAccessToken))
  })

  test('port 49999 is private: the SDK token gets through, nothing else does', async () => {
    assert.ok(sbx.trafficAccessToken, 'the private default gives the sandbox a traffic access token')
    const url = `https://${sbx.getHost(49999)}/health`
    // Cove's private port: no credential is 401, a wrong one 403
    for (const [headers, status] of [[{}, 401], [{ 'E2B-Traffic-Access-Token': 'not-the-token' }, 403]]) {
      const refused = await fetch(url, { headers })
      assert.equal(refused.status, status)
      assert.doesNotMatch(await refused.text(), /"OK"/)
    }
    const withToken = await fetch(url, { headers: { 'E2B-Traffic-Access-Token': sbx.trafficAccessToken } })
    assert.equal(withToken.status, 200)
    assert.equal(await withToken.text(), '"OK"')
  })
})
