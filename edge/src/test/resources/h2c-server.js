// Test upstream for the edge: a server that speaks only HTTP/2 without TLS (h2c, prior knowledge), as gRPC servers do.
// /ticks.Ticks/Stream answers like a server-streaming call (5 lines, 300 ms apart). Every other request is answered
// like a unary gRPC call (/goaway.Go/Away answers, then sends GOAWAY on its connection): the request body echoed back, then trailers with grpc-status 0
// and a message naming the body's length. Response headers say what the server saw (TE, :authority, :path, type, and
// the connection: its remote port).
//   node h2c-server.js <bind> <port>
'use strict';
const http2 = require('http2');
const [bind, port] = [process.argv[2], Number(process.argv[3])];
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  if (headers[':path'] === '/ticks.Ticks/Stream') { // server streaming: 5 lines 300 ms apart, then the trailers
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    let n = 0;
    const tick = setInterval(() => {
      stream.write('tick ' + n + '\n');
      if (++n === 5) { clearInterval(tick); stream.end(); }
    }, 300);
    stream.on('close', () => clearInterval(tick));
    return;
  }
  if (headers[':path'] === '/goaway.Go/Away') { // answers, then says GOAWAY (as a server does when it shuts down)
    const session = stream.session; // the stream lets go of it once it has ended
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '0' }, { endStream: true });
    setTimeout(() => { if (!session.destroyed) session.goaway(); }, 50);
    return;
  }
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
      'x-saw-connection': String(stream.session.socket.remotePort),
    }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0', 'grpc-message': 'echoed ' + body.length + ' bytes' }));
    stream.end(body);
  });
});
server.listen(port, bind);
