// The JavaScript side of node_kernel.py: one persistent Node.js realm. Cells arrive as JSON lines on stdin and run
// in this realm (vm.runInThisContext), so globals and top-level let/const/class stay from cell to cell. Everything
// the cell prints, its value and its error go back as JSON lines on the real stdout, one object each, and every
// cell ends with {"type":"done"}. SIGINT (the kernel's interrupt) breaks a running script or a pending await.
'use strict'
const vm = require('node:vm')
const util = require('node:util')
const path = require('node:path')
const { createRequire } = require('node:module')
const readline = require('node:readline')

const protocol = process.stdout.write.bind(process.stdout)
const emit = (event) => protocol(JSON.stringify(event) + '\n')

// What the cell writes (console.*, process.stdout/stderr.write) becomes stream events.
for (const name of ['stdout', 'stderr']) {
  process[name].write = (chunk, encoding, callback) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8')
    if (text) emit({ type: name, text })
    const done = typeof encoding === 'function' ? encoding : callback
    if (typeof done === 'function') process.nextTick(done)
    return true
  }
}
globalThis.require = createRequire(path.join(process.cwd(), 'cell.js'))
globalThis.module = { exports: {} }
globalThis.exports = globalThis.module.exports

let interruptCurrent = null
process.on('SIGINT', () => { if (interruptCurrent) interruptCurrent() })
process.on('uncaughtException', (e) => emit({ type: 'stderr', text: 'Uncaught ' + (e && e.stack || String(e)) + '\n' }))
process.on('unhandledRejection', (e) => emit({ type: 'stderr', text: 'Unhandled rejection: ' + (e && e.stack || String(e)) + '\n' }))

function compile (code) {
  try {
    return new vm.Script(code, { filename: 'cell.js' })
  } catch (e) {
    // top-level await: run the cell as an async function (its declarations then stay in the cell)
    if (e instanceof SyntaxError && /await/.test(e.message)) {
      return new vm.Script('(async () => {\n' + code + '\n})()', { filename: 'cell.js', lineOffset: -1 })
    }
    throw e
  }
}

async function run (code) {
  let value = compile(code).runInThisContext({ breakOnSigint: true, displayErrors: false })
  if (value && typeof value.then === 'function') {
    value = await new Promise((resolve, reject) => {
      interruptCurrent = () => { const e = new Error('execution interrupted'); e.name = 'KeyboardInterrupt'; reject(e) }
      value.then(resolve, reject)
    }).finally(() => { interruptCurrent = null })
  }
  if (value !== undefined) emit({ type: 'result', text: util.inspect(value, { depth: 4, colors: false }) })
}

// A stack without the frames of this driver and of node:vm: what the user sees is about the cell.
function userFrames (stack) {
  const lines = stack.split('\n')
  const cut = lines.findIndex((l) => /^\s+at /.test(l) && (l.includes('node:vm') || l.includes(__filename)))
  return (cut === -1 ? lines : lines.slice(0, cut)).join('\n')
}

function errorEvent (e) {
  if (e instanceof Error || (e && typeof e === 'object' && 'message' in e)) {
    let name = e.name || 'Error'
    if (e.code === 'ERR_SCRIPT_EXECUTION_INTERRUPTED') name = 'KeyboardInterrupt'
    return { type: 'error', name, value: String(e.message), traceback: userFrames(String(e.stack || name + ': ' + e.message)) }
  }
  return { type: 'error', name: 'Error', value: String(e), traceback: 'Uncaught ' + util.inspect(e) }
}

const queue = []
let busy = false
async function next () {
  if (busy || queue.length === 0) return
  busy = true
  const { code } = queue.shift()
  try {
    await run(code)
  } catch (e) {
    emit(errorEvent(e))
  }
  // output written by the cell's last microtasks goes before the end marker
  setImmediate(() => { emit({ type: 'done' }); busy = false; next() })
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return
  queue.push(JSON.parse(line))
  next()
}).on('close', () => process.exit(0))
emit({ type: 'ready' })
