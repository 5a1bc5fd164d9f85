// Template builds and creates through the official e2b SDK (it/compat/node_modules), against the server that
// bench/template-build.sh started: build times cold and cached, and create times of base, of a template with many
// layers and of one with a start command. Prints numbers; asserts nothing.
import { pathToFileURL } from 'node:url'

const top = process.env.COVE_TOP
const { Template, Sandbox, waitForPort } = await import(pathToFileURL(`${top}/it/compat/node_modules/e2b/dist/index.mjs`))
const runs = Number(process.env.RUNS ?? 10)
const tag = Date.now().toString(36)

async function timed(f) {
  const t0 = performance.now()
  await f()
  return performance.now() - t0
}

function stats(ms) {
  const s = [...ms].sort((a, b) => a - b)
  const at = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))]
  return `p50 ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, min ${s[0].toFixed(0)} ms (${s.length} runs)`
}

// offline steps (the bench server's sandboxes reach nothing): files written by RUN, as a real template's would be
const work = Template().fromBaseImage()
  .runCmd('head -c 50000000 /dev/urandom > /opt/blob', { user: 'root' })
  .runCmd('python3 -c "import os; [open(f\'/home/user/f{i}\', \'w\').write(str(i) * 1000) for i in range(2000)]"')
  .runCmd('pip --version > /home/user/pip.txt')
const cold = await timed(() => Template.build(work, `bench-work-${tag}`))
const cached = await timed(() => Template.build(work, `bench-work-${tag}`))
console.log(`build, 3 RUN steps (50 MB blob, 2000 files): cold ${cold.toFixed(0)} ms, all cached ${cached.toFixed(0)} ms`)

let many = Template().fromBaseImage()
for (let i = 0; i < 20; i++) many = many.runCmd(`echo layer-${i} > /home/user/layer-${i}.txt`)
const manyMs = await timed(() => Template.build(many, `bench-many-${tag}`))
console.log(`build, 20 RUN steps (20 layers): cold ${manyMs.toFixed(0)} ms`)

const server = Template().fromTemplate(`bench-work-${tag}`)
  .setStartCmd('python3 -m http.server 8080', waitForPort(8080))
const serverMs = await timed(() => Template.build(server, `bench-start-${tag}`))
console.log(`build, start command on top of another template: ${serverMs.toFixed(0)} ms`)

for (const [label, template] of [['base', 'base'], ['20 layers', `bench-many-${tag}`],
  ['start command (python3 http.server, waitForPort)', `bench-start-${tag}`]]) {
  const ms = []
  for (let i = 0; i < runs; i++) {
    let sbx
    ms.push(await timed(async () => { sbx = await Sandbox.create(template, { timeoutMs: 60_000 }) }))
    await sbx.kill()
  }
  console.log(`create ${label}: ${stats(ms)}`)
}
