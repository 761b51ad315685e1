// The HTTP/2 and gRPC exchanges the live eBPF tests and the snap-length tests share: node's
// http2 client with big header blocks and bodies (against nginx in h2c), and a gRPC greeter by
// hand on node:http2 with @grpc/grpc-js clients.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { freePort, waitForPort, type RunningServer } from '@flowtel/testkit';
import { LONG_PATH } from './big-requests.ts';

/** gRPC by hand on node:http2: SayHello answers, Fail ends with grpc-status 5; other paths are plain HTTP/2. */
const GREETER_SERVER = `
const http2 = require('node:http2');
const server = http2.createServer();
server.on('stream', (stream, headers) => {
  const path = headers[':path'];
  stream.resume();
  stream.on('end', () => {
    if (!String(headers['content-type']).startsWith('application/grpc')) {
      stream.respond({ ':status': path === '/missing' ? 404 : 200, 'content-type': 'text/plain' });
      return stream.end('plain');
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc+proto' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers(path.endsWith('/Fail') ? { 'grpc-status': '5', 'grpc-message': 'no such greeting' } : { 'grpc-status': '0' }));
    if (path.endsWith('/Fail')) return stream.end();
    const message = Buffer.from('hi');
    const frame = Buffer.alloc(5 + message.length);
    frame.writeUInt32BE(message.length, 1);
    message.copy(frame, 5);
    stream.end(frame);
  });
});
server.listen(Number(process.argv[1]), '127.0.0.1');`;

/** GREETER_SERVER in its own process. */
export async function startGreeter(): Promise<Pick<RunningServer, 'port' | 'pid' | 'stop'>> {
  const port = await freePort();
  const server = spawn(process.execPath, ['-e', GREETER_SERVER, String(port)], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    pid: server.pid!,
    stop: async () => {
      if (server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill();
      await exited;
    },
  };
}

/** The start of a client script: a generic gRPC client of these unary methods, to the port in argv. */
export const greeterClient = (methods: string[]) => `
const grpc = require('@grpc/grpc-js');
const port = process.argv[1];
const same = (b) => b;
const method = (name) => ({ path: '/flowtel.live.Greeter/' + name, requestStream: false, responseStream: false, requestSerialize: same, requestDeserialize: same, responseSerialize: same, responseDeserialize: same });
const Greeter = grpc.makeGenericClientConstructor({ ${methods.map((m) => `${m}: method('${m}')`).join(', ')} }, 'Greeter');
const client = new Greeter('127.0.0.1:' + port, grpc.credentials.createInsecure());`;

/** Unary calls on one channel: small metadata, 8 KiB of metadata, then two more calls. */
export const BIG_METADATA_CLIENT = `${greeterClient(['SayHello', 'SayBig', 'SayAfter', 'Fail'])}
const meta = (size) => { const m = new grpc.Metadata(); m.set('x-tenant', 'acme'); if (size) m.set('x-baggage', 'b'.repeat(size)); return m; };
client.SayHello(Buffer.from('a'), meta(0), (e1) => {
  client.SayBig(Buffer.from('b'), meta(8192), (e2) => {
    client.SayAfter(Buffer.from('c'), meta(0), (e3) => {
      client.Fail(Buffer.from('d'), meta(0), (e4) => {
        client.close();
        console.log([e1, e2, e3].map((e) => (e ? e.code : 0)).join(',') + ',' + e4.code);
      });
    });
  });
});`;

/** Sends each request in turn on one h2c session, waits for its response, prints the statuses. */
export const H2_CLIENT = `
const http2 = require('node:http2');
const session = http2.connect(process.argv[1]);
const requests = JSON.parse(process.argv[2]);
const statuses = [];
function next() {
  const r = requests.shift();
  if (r === undefined) { session.close(); console.log(JSON.stringify(statuses)); return; }
  const stream = session.request({ ':method': r.method, ':path': r.path, ...r.headers });
  stream.on('response', (h) => statuses.push(h[':status']));
  stream.resume();
  stream.on('end', next);
  stream.end(r.body);
}
next();`;

export interface H2Request {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  big?: boolean;
}

/** Requests on one h2c session: small ones between a 2 KiB cookie, an 8 KiB header block, a 4 KiB URL and a 16 KiB JSON body. */
export function h2BigRequests(): H2Request[] {
  // header values HPACK's Huffman code does not shrink much: 8 KiB of them on the wire
  const noise = (n: number, seed: number) =>
    Array.from(
      { length: n },
      (_, i) => '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'[(i * 7 + seed) % 62],
    ).join('');
  const json = JSON.stringify({
    items: Array.from({ length: 700 }, (_, i) => ({ id: i, note: `item-${i}-xxxxxxxx` })),
  });
  assert.ok(json.length >= 16 * 1024);
  return [
    { method: 'GET', path: '/small-1', status: 200 },
    { method: 'GET', path: '/cookie-2k', headers: { cookie: `session=${noise(2048, 1)}` }, status: 200, big: true },
    { method: 'GET', path: '/small-2', status: 200 },
    {
      method: 'GET',
      path: '/headers-8k',
      headers: Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x-baggage-${i}`, noise(2048, i + 2)])),
      status: 200,
      big: true,
    },
    { method: 'GET', path: LONG_PATH, status: 200, big: true },
    { method: 'GET', path: '/small-3', status: 200 },
    { method: 'POST', path: '/json', headers: { 'content-type': 'application/json' }, body: json, status: 201 },
    { method: 'GET', path: '/small-4', status: 200 },
  ];
}
