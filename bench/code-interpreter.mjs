// Measures @e2b/code-interpreter against a Cove server (bench/code-interpreter.sh starts it): Sandbox.create() of
// code-interpreter-v1, the first runCode after it, and warm runCode('1+1') round trips. Prints p50/p90 (ms).
const sdkPath = process.argv[2]
const rounds = Number(process.argv[3] || 10)
const warmCalls = Number(process.argv[4] || 20)
const { Sandbox } = await import(sdkPath)

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] }
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6
const create = [], first = [], warm = []
for (let i = 0; i < rounds; i++) {
  let t = process.hrtime.bigint()
  const sbx = await Sandbox.create({ timeoutMs: 120_000 })
  create.push(ms(t))
  try {
    t = process.hrtime.bigint()
    const r = await sbx.runCode('1+1')
    first.push(ms(t))
    if (r.text !== '2') throw new Error('unexpected result ' + r.text)
    for (let j = 0; j < warmCalls; j++) {
      t = process.hrtime.bigint()
      await sbx.runCode('1+1')
      warm.push(ms(t))
    }
  } finally {
    await sbx.kill()
  }
}
const line = (name, xs) => console.log(`  ${name.padEnd(28)} p50 ${pct(xs, 0.5).toFixed(1)} ms   p90 ${pct(xs, 0.9).toFixed(1)} ms   (n=${xs.length})`)
console.log(`@e2b/code-interpreter against Cove, template code-interpreter-v1 (${rounds} sandboxes, one at a time):`)
line('Sandbox.create()', create)
line("first runCode('1+1')", first)
line("warm runCode('1+1')", warm)
