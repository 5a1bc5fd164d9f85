// Validates every object of deploy/kubernetes/*.yaml against the Kubernetes API's own schemas (the JSON schemas
// that kubernetes-models generates from the Kubernetes OpenAPI document), the way the API server would check
// their shape: unknown kinds, wrong types and missing required fields fail. Run by ./run.sh.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'

const dir = join(dirname(fileURLToPath(import.meta.url)), '..')
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
let failures = 0
let count = 0
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
    if (doc.errors.length) {
      console.error(`${file}: YAML: ${doc.errors.map((e) => e.message).join('; ')}`)
      failures++
      continue
    }
    const obj = doc.toJS()
    if (obj == null) continue
    const where = `${file}: ${obj.kind}/${obj.metadata?.name}`
    try {
      const group = obj.apiVersion.includes('/') ? obj.apiVersion : `v1`
      const model = await import(`kubernetes-models/${group}/${obj.kind}`)
      new model[obj.kind](obj).validate()
      if (obj.kind !== 'Namespace' && obj.metadata?.namespace !== 'cove') throw new Error('not in namespace cove')
      console.log(`ok   ${where}`)
      count++
    } catch (e) {
      console.error(`FAIL ${where}: ${e.message}`)
      failures++
    }
  }
}
if (count === 0) failures++
console.log(`${count} object(s) valid, ${failures} failure(s)`)
process.exit(failures === 0 ? 0 : 1)
