// The capture's TCP events in the l7 processor: the connection's RTT and the retransmissions
// during each request on its spans and request logs, and OBI-named TCP metrics per client/server
// pair in a metrics pipeline. The events are what the ebpf receiver emits (their live capture is
// tested in ebpf-receiver/test/tcp-metrics.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Direction,
  L4Protocol,
  SocketEventBatch,
  SocketEventKind,
  SocketRole,
  TcpConnectFailure,
  TcpReport,
  getAttr,
  writeTcpMetrics,
  type Metrics,
  type SocketEvent,
  type TcpMetrics,
  type Traces,
} from '@flowtel/pdata';
import type { Batch, PipelineSignal } from '@flowtel/core';
import { pushThrough, testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const T0 = 1_700_000_000_000_000_000n;
const ms = (n: number) => T0 + BigInt(n) * 1_000_000n;

const client = {
  pid: 31,
  tid: 31,
  comm: 'curl',
  fd: 5,
  socketId: 7n,
  l4Protocol: L4Protocol.TCP,
  role: SocketRole.CLIENT,
  localAddr: '10.1.0.2',
  localPort: 41000,
  remoteAddr: '10.1.0.9',
  remotePort: 8090,
};

const data = (at: number, direction: number, text: string): SocketEvent => {
  const payload = new TextEncoder().encode(text);
  return { ...client, kind: SocketEventKind.DATA, timestampNs: ms(at), direction, byteCount: payload.length, payload };
};

const figures = (report: number, more: Partial<TcpMetrics>): TcpMetrics => ({
  report,
  failure: TcpConnectFailure.NONE,
  oldState: 0,
  connectLatencyNs: 0,
  srttUs: 0,
  rttvarUs: 0,
  retransmits: 0,
  synRetransmits: 0,
  totalRetrans: 0,
  resetsSent: 0,
  resetsReceived: 0,
  zeroWindows: 0,
  bytesAcked: 0,
  bytesReceived: 0,
  segsOut: 0,
  segsIn: 0,
  ...more,
});

const tcp = (at: number, m: TcpMetrics, side = client): SocketEvent => ({
  ...side,
  kind: SocketEventKind.TCP,
  timestampNs: ms(at),
  direction: Direction.EGRESS,
  byteCount: 0,
  payload: writeTcpMetrics(m),
});

const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: shop\r\n\r\n`;
const response = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

/** A keep-alive connection: connected (RTT 250 us), a retransmission during the first request, two requests, closed. */
const conversation = [
  tcp(0, figures(TcpReport.ESTABLISHED, { connectLatencyNs: 400_000, srttUs: 250 })),
  data(10, Direction.EGRESS, request('/first')),
  tcp(15, figures(TcpReport.RETRANSMIT, { srttUs: 500, retransmits: 1 })),
  data(30, Direction.INGRESS, response),
  data(40, Direction.EGRESS, request('/second')),
  data(50, Direction.INGRESS, response),
  tcp(60, figures(TcpReport.CLOSED, { srttUs: 300, retransmits: 1 })),
  { ...data(61, Direction.EGRESS, ''), kind: SocketEventKind.CLOSE },
];

/** A connect to a closed port: no data, only the failure report of a socket of its own. */
const refused = tcp(
  70,
  figures(TcpReport.CONNECT_FAILED, { failure: TcpConnectFailure.REFUSED, resetsReceived: 1, oldState: 2 }),
  { ...client, socketId: 8n, localPort: 41001, remotePort: 8091 },
);

/** The events through a started l7 processor of `signal`, as one capture batch; what came out. */
async function run(id: string, signal: PipelineSignal, events: SocketEvent[]): Promise<Batch[]> {
  const processor = factory.createProcessor(
    testSettings(id, 'processor'),
    factory.configSchema.parse({}),
    signal,
    signal,
  );
  await processor.start(testHost());
  const data = SocketEventBatch.from('ebpf', events);
  // the engine parses as the batch arrives and a metrics pipeline flushes when its input completes
  const { out } = pushThrough(processor, { signal: 'socket', data, items: events.length });
  await processor.shutdown();
  return out;
}

test('spans carry the connection RTT and the retransmissions during their request (tcp.rtt, tcp.retransmits)', async () => {
  const spans = (await run('l7/tcp-a', 'traces', conversation)).flatMap((b) =>
    (b.data as Traces).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)),
  );
  const first = spans.find((s) => s.name === 'GET /first')!;
  const second = spans.find((s) => s.name === 'GET /second')!;
  // the RTT reported last before the response came: the retransmission's
  assert.equal(getAttr(first.attributes, 'tcp.rtt'), 0.0005);
  assert.equal(getAttr(first.attributes, 'tcp.retransmits'), 1n);
  assert.equal(getAttr(second.attributes, 'tcp.rtt'), 0.0005);
  assert.equal(getAttr(second.attributes, 'tcp.retransmits'), 0n, 'the retransmission came before this request');

  // without TCP events a span has neither attribute
  const plain = (
    await run(
      'l7/tcp-b',
      'traces',
      conversation.filter((e) => e.kind !== SocketEventKind.TCP),
    )
  ).flatMap((b) => (b.data as Traces).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
  assert.equal(plain.length, 2);
  for (const span of plain) assert.equal(getAttr(span.attributes, 'tcp.rtt'), undefined);
});

test('TCP metrics per client/server pair under OBI names: RTT, retransmits, failed connections, connect duration, resets', async () => {
  const metrics = (await run('l7/tcp-c', 'metrics', [...conversation, refused])).flatMap(
    (b) => (b.data as Metrics).resourceMetrics,
  );
  const curl = metrics.filter((rm) => getAttr(rm.resource.attributes, 'service.name') === 'curl');
  const all = curl.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
  const named = (name: string) => all.find((m) => m.name === name)!;

  const rtt = named('obi.stat.tcp.rtt').histogram!.dataPoints;
  assert.equal(rtt.length, 1, 'one connection ended');
  assert.equal(rtt[0].count, 1n);
  assert.equal(rtt[0].sum, 0.0003, 'the RTT when it ended');
  assert.equal(getAttr(rtt[0].attributes, 'client.address'), '10.1.0.2');
  assert.equal(getAttr(rtt[0].attributes, 'server.address'), '10.1.0.9');
  assert.equal(getAttr(rtt[0].attributes, 'server.port'), 8090n);
  assert.equal(getAttr(rtt[0].attributes, 'flowtel.tcp.side'), 'client');

  // the retransmission counted once, though the RETRANSMIT and CLOSED reports both carry it
  const retransmits = named('obi.stat.tcp.retransmits').sum!.dataPoints;
  assert.deepEqual(
    retransmits.map((p) => p.asInt),
    [1n],
  );

  const failed = named('obi.stat.tcp.failed.connections').sum!.dataPoints;
  assert.equal(failed.length, 1);
  assert.equal(failed[0].asInt, 1n);
  assert.equal(getAttr(failed[0].attributes, 'flowtel.tcp.failure'), 'refused');
  assert.equal(getAttr(failed[0].attributes, 'server.port'), 8091n);

  const connect = named('flowtel.stat.tcp.connect.duration').histogram!.dataPoints;
  assert.equal(connect[0].count, 1n);
  assert.equal(connect[0].sum, 0.0004);

  const resets = named('flowtel.stat.tcp.resets').sum!.dataPoints;
  assert.equal(resets.length, 1);
  assert.equal(getAttr(resets[0].attributes, 'flowtel.tcp.reset.direction'), 'received');
  assert.equal(resets[0].asInt, 1n);
});
