// Unary gRPC-style calls over h2c, one at a time on one connection, for bench/grpc-echo.sh: prints p50/p90/p99.
//   node grpc-echo-client.js <url> <calls> <warm-up calls> [header:value ...]
'use strict';
const http2 = require('http2');
const [url, calls, warmup, ...extra] = process.argv.slice(2);
const headers = { ':method': 'POST', ':path': '/echo.Echo/Say', 'content-type': 'application/grpc', 'te': 'trailers' };
for (const h of extra) { const i = h.indexOf(':'); headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim(); }
const message = Buffer.from([0, 0, 0, 0, 27, ...Buffer.from('a 27-byte protobuf message.')]);

function call(session) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const stream = session.request(headers);
    let status = null;
    stream.on('response', (h) => { if (h[':status'] !== 200) reject(new Error('status ' + h[':status'])); });
    stream.on('trailers', (t) => { status = t['grpc-status']; });
    stream.on('data', () => {});
    stream.on('end', () => status === '0' ? resolve(Number(process.hrtime.bigint() - start) / 1000) : reject(new Error('grpc-status ' + status)));
    stream.on('error', reject);
    stream.end(message);
  });
}

(async () => {
  const session = http2.connect(url);
  session.on('error', (e) => { console.error(e.message); process.exit(1); });
  const n = Number(calls);
  for (let i = 0; i < Number(warmup); i++) await call(session); // warm-up (the JITs on every side, the shared connection)
  const us = [];
  for (let i = 0; i < n; i++) us.push(await call(session));
  us.sort((a, b) => a - b);
  const q = (p) => us[Math.min(us.length - 1, Math.floor(p * us.length))].toFixed(1);
  console.log(`calls ${n}  p50 ${q(0.5)} us  p90 ${q(0.9)} us  p99 ${q(0.99)} us`);
  session.close();
})().catch((e) => { console.error(e.message); process.exit(1); });
