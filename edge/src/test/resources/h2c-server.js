// Test upstream for the edge: a server that speaks only HTTP/2 without TLS (h2c, prior knowledge), as gRPC servers do.
// Every request is answered like a unary gRPC call: the request body echoed back, then trailers with grpc-status 0
// and a message naming the body's length. Response headers say what the server saw (TE, :authority, :path, type).
//   node h2c-server.js <bind> <port>
'use strict';
const http2 = require('http2');
const [bind, port] = [process.argv[2], Number(process.argv[3])];
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const chunks = [];
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    stream.respond({
      ':status': 200,
      'content-type': 'application/grpc',
      'x-saw-te': String(headers['te']),
      'x-saw-authority': String(headers[':authority']),
      'x-saw-path': String(headers[':path']),
      'x-saw-content-type': String(headers['content-type']),
      'x-saw-forwarded-for': String(headers['x-forwarded-for']),
    }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'echoed ' + body.length + ' bytes' }));
    stream.end(body);
  });
});
server.listen(port, bind);
