// The exchanges of http2-heads.test.ts (node's http2 client against nginx in h2c: a 2 KiB cookie,
// an 8 KiB header block, a 4 KiB URL and a 16 KiB body between small requests) and grpc.test.ts
// (unary gRPC calls, one with 8 KiB of metadata), recorded from loopback by dumpcap and cut by
// editcap to a snap length that keeps 1 KiB of each segment's payload. Through the pcap reader and
// the l7 engine, the cut recording gives the records of the whole one on both ends: the big
// HEADERS read from their heads and marked, the requests after them with method, path and status
// (gRPC: service, method and grpc-status) whatever the loss did to the HPACK dynamic table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startNginx } from '@flowtel/testkit';
import { BIG_REQUESTS_NGINX } from './big-requests.ts';
import { runClient } from './capture.ts';
import { BIG_METADATA_CLIENT, H2_CLIENT, h2BigRequests, startGreeter } from './http2-exchanges.ts';
import { sameRecordsFromTheHeads } from './snaplen.ts';

/** The GOAWAY a node http2 session sends when it closes (length 8, type 7, stream 0): its last frame. */
const GOAWAY = Buffer.from([0, 0, 8, 7, 0, 0, 0, 0, 0]);

test('nginx (h2c) cut by a snap length: the big header blocks and the long URL from their heads, every request on both ends', (t) => {
  const requests = h2BigRequests();
  return sameRecordsFromTheHeads(t, {
    tools: ['nginx'],
    start: () => startNginx({ ...BIG_REQUESTS_NGINX, http2: true }),
    exchange: async (port) => {
      const client = await runClient(process.execPath, [
        '-e',
        H2_CLIENT,
        `http://127.0.0.1:${port}`,
        JSON.stringify(requests),
      ]);
      assert.equal(client.code, 0, client.stderr.toString());
      assert.deepEqual(
        JSON.parse(client.stdout.toString()),
        requests.map((r) => r.status),
      );
    },
    complete: (b) => b.includes(GOAWAY),
    sent: requests.map((r) => ({ type: r.method, resource: r.path.slice(0, 64), code: r.status })),
    big: (r) => requests.some((q) => q.big && String(r.request?.request_resource).startsWith(q.path.slice(0, 64))),
  });
});

test('gRPC cut by a snap length: the call with 8 KiB of metadata from its head, the calls after it with service, method and status', (t) =>
  sameRecordsFromTheHeads(t, {
    tools: [],
    start: startGreeter,
    exchange: async (port) => {
      const client = await runClient(process.execPath, ['-e', BIG_METADATA_CLIENT, String(port)]);
      assert.equal(client.stdout.toString().trim(), '0,0,0,5', client.stderr);
    },
    complete: (b) => b.includes(GOAWAY),
    sent: ['SayHello', 'SayBig', 'SayAfter', 'Fail'].map((m) => ({
      type: 'POST',
      resource: `/flowtel.live.Greeter/${m}`,
      code: m === 'Fail' ? 5 : 0,
    })),
    big: (r) => String(r.request?.request_resource).endsWith('/SayBig'),
  }));
