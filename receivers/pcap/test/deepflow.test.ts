// DeepFlow's captures read by this reader and by tshark: the same TCP/UDP frames, and the same
// bytes in each direction of every TCP stream the capture holds completely.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Direction, SocketEventKind, SocketRole } from '@flowtel/pdata';
import { readCaptureFile, readPacketsFile } from '../src/index.ts';
import { DEEPFLOW_CAPTURES, haveDeepflowCaptures, requireDeepflow } from './support/deepflow.ts';
import { sentBytes } from './support/streams.ts';
import { hasTshark, requireTool, tsharkFollowTcp, tsharkTransportFrames } from './support/tshark.ts';

// tshark takes a second per capture: a selection that covers every case these captures hold
// (IPv4 and IPv6, UDP, handshakes, resets, keep-alives, retransmissions, segments the capture lost)
const CAPTURES = [
  'http/httpv1.pcap',
  'http/grpc-segmented.pcap',
  'http/h2c_ascii.pcap',
  'http/istio-tcp-frag.pcap',
  'dns/a-and-ns.pcap',
  'dns/dns-tcp-multi.pcap',
  'redis/redis.pcap',
  'mysql/large-response.pcap',
  'mysql/mysql-statement.pcap',
  'mqtt/mqtt_roundtrip.pcap',
  'amqp/amqp-error.pcap',
  'pulsar/pulsar-producer.pcap',
  'rocketmq/rocketmq-pull-message.pcap',
  'client-keep-alive.pcap',
  'l4-source-port-reuse.pcap',
  'syn-retrans.pcap',
  'xiangdao-retrans.pcap',
];

test('DeepFlow captures are present', (t) => {
  requireDeepflow(t);
});

for (const capture of haveDeepflowCaptures ? CAPTURES : []) {
  test(`${capture}: frames and per-direction TCP bytes agree with tshark`, (t) => {
    if (!hasTshark()) return requireTool(t, 'tshark');
    const path = join(DEEPFLOW_CAPTURES, capture);
    const packets = readPacketsFile(path);
    assert.deepEqual(
      packets.map((p) => p.frameIndex),
      tsharkTransportFrames(path),
      'the frames decoded as TCP/UDP',
    );
    const ours = sentBytes(readCaptureFile(path));
    const theirs = tsharkFollowTcp(path);
    let compared = 0;
    for (const key of new Set([...ours.keys(), ...theirs.flows.keys()])) {
      if (theirs.lossy.has(key)) continue;
      assert.deepEqual(ours.get(key) ?? Buffer.alloc(0), theirs.flows.get(key) ?? Buffer.alloc(0), `bytes ${key}`);
      compared++;
    }
    t.diagnostic(`${packets.length} packets, ${compared} directions compared, ${theirs.lossy.size} lossy skipped`);
  });
}

test('http/httpv1.pcap: one request and one response, each seen by both sockets', (t) => {
  if (!requireDeepflow(t)) return;
  const events = readCaptureFile(join(DEEPFLOW_CAPTURES, 'http/httpv1.pcap'));
  const data = events.filter((e) => e.kind === SocketEventKind.DATA);
  assert.deepEqual(
    data.map((e) => [
      e.role,
      e.direction,
      e.socketId,
      e.localPort,
      e.remotePort,
      Buffer.from(e.payload).toString('latin1').split('\r\n')[0],
    ]),
    [
      [SocketRole.CLIENT, Direction.EGRESS, 2n, 61959, 80, 'POST /query?1590632942 HTTP/1.1'],
      [SocketRole.SERVER, Direction.INGRESS, 3n, 80, 61959, 'POST /query?1590632942 HTTP/1.1'],
      [SocketRole.SERVER, Direction.EGRESS, 3n, 80, 61959, 'HTTP/1.1 200 OK'],
      [SocketRole.CLIENT, Direction.INGRESS, 2n, 61959, 80, 'HTTP/1.1 200 OK'],
    ],
  );
  assert.ok(data.every((e) => e.pid === 0 && e.comm === '' && e.byteCount === e.payload.length));
});

test("redis/redis.pcap starts mid-stream: roles from the ports, and DeepFlow's first-packet rule agrees", (t) => {
  if (!requireDeepflow(t)) return;
  const path = join(DEEPFLOW_CAPTURES, 'redis/redis.pcap');
  for (const roles of ['auto', 'first-packet'] as const) {
    const events = readCaptureFile(path, { roles, perspective: 'server' });
    assert.ok(events.length > 0);
    assert.ok(
      events.every((e) => e.role === SocketRole.SERVER && e.localPort === 6379),
      roles,
    );
  }
});

test('dns/a-and-ns.pcap: UDP datagrams become DATA events, the query from the client', (t) => {
  if (!requireDeepflow(t)) return;
  const path = join(DEEPFLOW_CAPTURES, 'dns/a-and-ns.pcap');
  const packets = readPacketsFile(path);
  const events = readCaptureFile(path, { perspective: 'client' });
  assert.equal(events.length, packets.length);
  const [query, answer] = events;
  assert.equal(query.l4Protocol, 17);
  assert.equal(query.direction, Direction.EGRESS);
  assert.equal(query.remotePort, 53);
  assert.equal(answer.direction, Direction.INGRESS);
  assert.equal(answer.socketId, query.socketId);
  // the DNS ids of query and answer match
  assert.equal(Buffer.from(query.payload).readUInt16BE(0), Buffer.from(answer.payload).readUInt16BE(0));
});

test('l4-source-port-reuse.pcap and syn-retrans.pcap: handshakes, retransmitted SYNs and resets', (t) => {
  if (!requireDeepflow(t)) return;
  const retrans = readCaptureFile(join(DEEPFLOW_CAPTURES, 'syn-retrans.pcap'));
  assert.equal(
    retrans.filter((e) => e.kind === SocketEventKind.CONNECT).length,
    1,
    'a retransmitted SYN is the same connection',
  );
  const reuse = readCaptureFile(join(DEEPFLOW_CAPTURES, 'l4-source-port-reuse.pcap'));
  const kinds = reuse.map((e) => `${e.kind}/${e.role}`);
  assert.ok(kinds.includes(`${SocketEventKind.CONNECT}/${SocketRole.CLIENT}`));
  assert.deepEqual(
    reuse
      .filter((e) => e.kind === SocketEventKind.CLOSE)
      .map((e) => e.role)
      .sort(),
    [SocketRole.CLIENT, SocketRole.SERVER],
    'the reset closes both sockets once',
  );
});
