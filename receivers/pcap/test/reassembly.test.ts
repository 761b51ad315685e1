// TCP reassembly on a real loopback capture (fixtures/http-lo.pcapng: a 20 KB POST and a 30 KB
// response in a dozen segments) and on rewritten copies of it: segments out of order,
// retransmitted, overlapping, or missing. The reassembled bytes must equal the original's, and
// tshark, reading the same rewritten files, must agree.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Direction, SocketEventKind, SocketRole, type SocketEvent } from '@flowtel/pdata';
import { CaptureParser, CaptureReader, decodeCapture, readCapture, type SocketEventOptions } from '../src/index.ts';
import { writePcapng, type WrittenFrame } from './support/capture-writer.ts';
import { sentBytes } from './support/streams.ts';
import { hasTshark, requireTool, tsharkFollowTcp } from './support/tshark.ts';

const original = readFileSync(join(import.meta.dirname, 'fixtures', 'http-lo.pcapng'));
const dir = mkdtempSync(join(tmpdir(), 'pcap-reassembly-'));

interface Segment {
  frame: WrittenFrame;
  srcPort: number;
  seq: number;
  flags: number;
  tcpOffset: number;
  payloadOffset: number;
  payloadLength: number;
}

const FIN = 0x01;
const SYN = 0x02;

/** The fixture's frames with their TCP fields (all untagged Ethernet, IPv4, TCP). */
function segments(): Segment[] {
  const parser = new CaptureParser();
  const frames = parser.push(original);
  parser.end();
  return frames.map((f) => {
    const data = Buffer.from(f.data);
    const ihl = (data[14] & 0x0f) * 4;
    const tcp = 14 + ihl;
    const doff = (data[tcp + 12] >> 4) * 4;
    return {
      frame: { data, timestampNs: f.timestampNs },
      srcPort: data.readUInt16BE(tcp),
      seq: data.readUInt32BE(tcp + 4),
      flags: data[tcp + 13],
      tcpOffset: tcp,
      payloadOffset: tcp + doff,
      payloadLength: data.readUInt16BE(16) - ihl - doff,
    };
  });
}

const isData = (s: Segment) => s.payloadLength > 0;
const isPureAck = (s: Segment) => s.payloadLength === 0 && (s.flags & (SYN | FIN)) === 0;

/** A copy of a segment that carries payload bytes [from, to) only. */
function slice(s: Segment, from: number, to: number): Segment {
  const data = Buffer.from(s.frame.data as Buffer);
  const headers = data.subarray(0, s.payloadOffset);
  const out = Buffer.concat([headers, data.subarray(s.payloadOffset + from, s.payloadOffset + to)]);
  out.writeUInt16BE(out.length - 14, 16);
  out.writeUInt32BE((s.seq + from) >>> 0, s.tcpOffset + 4);
  return { ...s, frame: { ...s.frame, data: out }, seq: (s.seq + from) >>> 0, payloadLength: to - from };
}

function write(name: string, list: Segment[]): { path: string; bytes: Buffer } {
  const bytes = writePcapng(
    list.map((s) => s.frame),
    { interfaces: [{ linkType: 1, tsresol: 9 }] },
  );
  const path = join(dir, `${name}.pcapng`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

const expected = sentBytes(decodeCapture(original));

function assertSameStreams(
  t: { skip(msg: string): void },
  name: string,
  list: Segment[],
  options?: SocketEventOptions,
): SocketEvent[] {
  const { path, bytes } = write(name, list);
  const events = decodeCapture(bytes, options);
  assert.deepEqual(sentBytes(events), expected, `${name}: reassembled bytes`);
  if (!hasTshark()) {
    requireTool(t, 'tshark');
    return events;
  }
  assert.deepEqual(tsharkFollowTcp(path).flows, expected, `${name}: tshark's reading of the rewritten capture`);
  return events;
}

test('the fixture: handshake, both directions in order, teardown', () => {
  const events = decodeCapture(original);
  const request = expected.values().next().value!;
  assert.equal(expected.size, 2);
  assert.match(request.toString('latin1'), /^POST \/upload HTTP\/1.1\r\n/);
  assert.equal(request.length, 20_000 + request.indexOf('\r\n\r\n') + 4);
  const [first, second] = events;
  assert.deepEqual([first.kind, first.role, first.socketId], [SocketEventKind.CONNECT, SocketRole.CLIENT, 2n]);
  assert.deepEqual([second.kind, second.role, second.socketId], [SocketEventKind.ACCEPT, SocketRole.SERVER, 3n]);
  const closes = events.filter((e) => e.kind === SocketEventKind.CLOSE);
  assert.deepEqual(closes.map((e) => e.socketId).sort(), [2n, 3n]);
  const lastData = events.map((e) => e.kind).lastIndexOf(SocketEventKind.DATA);
  assert.ok(events.indexOf(closes[0]) > lastData, 'CLOSE after the last data');
  // every chunk twice: the sender's EGRESS, then the receiver's INGRESS with the same bytes
  const data = events.filter((e) => e.kind === SocketEventKind.DATA);
  for (let i = 0; i < data.length; i += 2) {
    assert.equal(data[i].direction, Direction.EGRESS);
    assert.equal(data[i + 1].direction, Direction.INGRESS);
    assert.notEqual(data[i].socketId, data[i + 1].socketId);
    assert.deepEqual(data[i].payload, data[i + 1].payload);
  }
});

test('perspective client / server keeps one socket; reassemble: false gives one event per segment', () => {
  const dataSegments = segments().filter(isData).length;
  for (const [perspective, socketId] of [
    ['client', 2n],
    ['server', 3n],
  ] as const) {
    const events = decodeCapture(original, { perspective });
    assert.ok(
      events.every((e) => e.socketId === socketId),
      perspective,
    );
    const data = events.filter((e) => e.kind === SocketEventKind.DATA);
    assert.deepEqual(
      new Set(data.map((e) => e.direction)),
      new Set([Direction.EGRESS, Direction.INGRESS]),
      'it sends and it receives',
    );
  }
  const perSegment = decodeCapture(original, { reassemble: false, perspective: 'client' });
  assert.equal(perSegment.filter((e) => e.kind === SocketEventKind.DATA).length, dataSegments);
});

test('segments out of order are put back in order', (t) => {
  // without the ACKs a real receiver would have sent only after the late segment came
  const list = segments().filter((s) => !isPureAck(s));
  const reordered: Segment[] = [];
  let run: Segment[] = [];
  const flush = () => {
    reordered.push(...run.reverse());
    run = [];
  };
  for (const s of list) {
    if (isData(s) && (run.length === 0 || run[0].srcPort === s.srcPort)) run.push(s);
    else {
      flush();
      if (isData(s)) run.push(s);
      else reordered.push(s);
    }
  }
  flush();
  assert.notDeepEqual(
    reordered.map((s) => s.seq),
    list.map((s) => s.seq),
  );
  assertSameStreams(t, 'reordered', reordered);
});

test('retransmitted segments are dropped', (t) => {
  const list = segments();
  const withCopies: Segment[] = [];
  let copied = 0;
  let dataSeen = 0;
  list.forEach((s, i) => {
    withCopies.push(s);
    // the copy arrives after the peer's ACK, as a spurious retransmission does
    if (isData(s) && dataSeen++ % 2 === 0) {
      withCopies.push(...list.slice(i + 1, i + 2), s);
      copied += s.payloadLength;
    }
  });
  assert.ok(copied > 0);
  assertSameStreams(t, 'retransmitted', withCopies);
  const reader = new CaptureReader(() => {});
  reader.push(write('retransmitted', withCopies).bytes);
  reader.end();
  assert.equal(reader.stats.duplicateBytes, copied);
});

test('overlapping segments give each byte once', (t) => {
  const overlapping = segments().flatMap((s) => {
    if (!isData(s) || s.payloadLength < 30) return [s];
    const third = Math.floor(s.payloadLength / 3);
    return [slice(s, 0, 2 * third), slice(s, third, s.payloadLength)];
  });
  assertSameStreams(t, 'overlapping', overlapping);
});

test('a segment the capture lost: skipped once the peer ACKs past it, the data after it delivered at once', () => {
  const list = segments();
  const responseData = list.filter((s) => isData(s) && s.srcPort === list[1].srcPort);
  const lost = responseData[2];
  const events = decodeCapture(
    write(
      'lost',
      list.filter((s) => s !== lost),
    ).bytes,
    { perspective: 'client' },
  );
  const received = Buffer.concat(
    events
      .filter((e) => e.kind === SocketEventKind.DATA && e.direction === Direction.INGRESS)
      .map((e) => Buffer.from(e.payload)),
  );
  const full = [...expected.values()][1];
  const at = (lost.seq - responseData[0].seq) >>> 0;
  assert.deepEqual(received, Buffer.concat([full.subarray(0, at), full.subarray(at + lost.payloadLength)]));
  const after = events.find(
    (e) =>
      e.direction === Direction.INGRESS &&
      Buffer.from(e.payload).equals(full.subarray(at + lost.payloadLength, at + lost.payloadLength + e.payload.length)),
  );
  assert.ok(after, 'the chunk after the hole');
  const lastFrame = list[list.length - 1].frame.timestampNs;
  assert.ok(after.timestampNs < lastFrame, 'delivered when the ACK came, not at the end of the capture');
});

test('a hole with no ACK to skip it: the out-of-order budget bounds the wait', () => {
  const list = segments().filter((s) => !isPureAck(s));
  const requestData = list.filter((s) => isData(s) && s.srcPort === list[0].srcPort);
  const lost = requestData[0];
  const rest = list.filter((s) => s !== lost);
  const events = decodeCapture(write('lost-no-ack', rest).bytes, { perspective: 'server', maxOutOfOrderBytes: 1000 });
  const received = Buffer.concat(
    events
      .filter((e) => e.kind === SocketEventKind.DATA && e.direction === Direction.INGRESS)
      .map((e) => Buffer.from(e.payload)),
  );
  const full = [...expected.values()][0];
  assert.deepEqual(received, full.subarray(lost.payloadLength));
  const firstDelivery = events.find((e) => e.kind === SocketEventKind.DATA)!;
  assert.ok(
    firstDelivery.timestampNs <= requestData[1].frame.timestampNs,
    'the first segment past the budget skipped the hole at once',
  );
});

test('the capture fed in 7-byte chunks gives the same events as read at once', async () => {
  const chunks = (async function* () {
    for (let i = 0; i < original.length; i += 7) yield original.subarray(i, i + 7);
  })();
  const streamed: SocketEvent[] = [];
  for await (const e of readCapture(chunks)) streamed.push(e);
  assert.deepEqual(
    streamed.map((e) => ({ ...e, payload: Buffer.from(e.payload) })),
    decodeCapture(original).map((e) => ({ ...e, payload: Buffer.from(e.payload) })),
  );
});

test('a capture that starts mid-stream: roles from the first packet, no CONNECT/ACCEPT', () => {
  const midStream = segments()
    .filter((s) => (s.flags & SYN) === 0)
    .slice(1);
  const events = decodeCapture(write('mid-stream', midStream).bytes);
  assert.ok(!events.some((e) => e.kind === SocketEventKind.CONNECT || e.kind === SocketEventKind.ACCEPT));
  const request = events.find((e) => e.kind === SocketEventKind.DATA)!;
  assert.equal(request.role, SocketRole.CLIENT);
  assert.match(Buffer.from(request.payload).toString('latin1'), /^POST/);
});

test('a SYN on the ports of a connection seen mid-stream starts a new connection', () => {
  const all = segments();
  const midStreamOpen = all.filter((s) => (s.flags & (SYN | FIN)) === 0).slice(0, 8);
  const later = all.map((s) => ({ ...s, frame: { ...s.frame, timestampNs: s.frame.timestampNs + 1_000_000_000n } }));
  const events = decodeCapture(write('reuse', [...midStreamOpen, ...later]).bytes, { perspective: 'client' });
  const connect = events.find((e) => e.kind === SocketEventKind.CONNECT);
  assert.ok(connect, 'the second connection has its CONNECT');
  assert.equal(connect.socketId, 4n, 'and its own socket');
  const secondRequest = Buffer.concat(
    events
      .filter((e) => e.socketId === 4n && e.kind === SocketEventKind.DATA && e.direction === Direction.EGRESS)
      .map((e) => Buffer.from(e.payload)),
  );
  assert.deepEqual(secondRequest, [...expected.values()][0], 'its request bytes, whole');
});
