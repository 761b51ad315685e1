// Every container and link-layer variant, written from the frames of real captures, decodes to
// the same packets as the original; tshark reads each written file too, so the writer is checked.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CaptureParser, decodePackets, type CaptureFrame, type DecodedPacket } from '../src/index.ts';
import {
  ipOfEthernet,
  LINK_TYPE_OF,
  wrapIp,
  writePcap,
  writePcapng,
  type WrittenFrame,
} from './support/capture-writer.ts';
import { DEEPFLOW_CAPTURES as DEEPFLOW, haveDeepflowCaptures, requireDeepflow } from './support/deepflow.ts';
import { hasTshark, requireTool, tsharkTransportFrames } from './support/tshark.ts';

const SOURCES = ['http/httpv1.pcap', 'amqp/amqp-error.pcap', 'dns/dns.pcap'];
const dir = mkdtempSync(join(tmpdir(), 'pcap-format-'));

function framesOf(bytes: Uint8Array): CaptureFrame[] {
  const parser = new CaptureParser();
  const frames = parser.push(bytes);
  parser.end();
  return frames;
}

/** what must survive any re-encoding; timestamps to the given precision */
function essence(packets: DecodedPacket[], precisionNs = 1n) {
  return packets.map((p) => ({
    ts: (p.timestampNs + precisionNs / 2n) / precisionNs,
    src: `${p.srcAddr}:${p.srcPort}`,
    dst: `${p.dstAddr}:${p.dstPort}`,
    protocol: p.protocol,
    seq: p.seq,
    ack: p.ack,
    flags: p.flags,
    payload: Buffer.from(p.payload).toString('hex'),
    payloadLength: p.payloadLength,
  }));
}

/** tshark checks the writer once per variant, on the first source: the writer does not care what the frames carry */
function checkWithTshark(t: { skip(msg: string): void }, path: string, expectedCount: number): void {
  if (!path.includes(SOURCES[0].replace(/\W/g, '_')) && !path.includes('nats')) return;
  if (!hasTshark()) return requireTool(t, 'tshark');
  assert.equal(tsharkTransportFrames(path).length, expectedCount, `tshark reads ${path} differently`);
}

test('DeepFlow captures are present', (t) => {
  requireDeepflow(t);
});

for (const source of haveDeepflowCaptures ? SOURCES : []) {
  const original = readFileSync(join(DEEPFLOW, source));
  const frames = framesOf(original);
  const expected = decodePackets(original);
  const written: WrittenFrame[] = frames.map((f) => ({
    data: f.data,
    timestampNs: f.timestampNs,
    originalLength: f.originalLength,
  }));
  const name = source.replace(/\W/g, '_');

  test(`${source}: the original decodes to TCP/UDP packets`, () => {
    assert.ok(expected.length > 0);
    assert.equal(expected.length, frames.length);
  });

  const containers: Array<[string, Buffer, bigint]> = [
    ['pcap big-endian microseconds', writePcap(written, { linkType: 1, littleEndian: false }), 1000n],
    ['pcap little-endian nanoseconds', writePcap(written, { linkType: 1, nanos: true }), 1n],
    ['pcap big-endian nanoseconds', writePcap(written, { linkType: 1, littleEndian: false, nanos: true }), 1n],
    [
      'pcapng little-endian, nanosecond interface',
      writePcapng(written, { interfaces: [{ linkType: 1, tsresol: 9 }] }),
      1n,
    ],
    [
      'pcapng big-endian, default microsecond interface',
      writePcapng(written, { interfaces: [{ linkType: 1 }], littleEndian: false }),
      1000n,
    ],
    [
      'pcapng with a timestamp offset',
      writePcapng(written, { interfaces: [{ linkType: 1, tsresol: 9, tsoffsetSeconds: 1_500_000_000 }] }),
      1n,
    ],
  ];
  for (const [label, bytes, precision] of containers) {
    test(`${source} as ${label}`, (t) => {
      const path = join(dir, `${name}-${label.replace(/\W/g, '_')}`);
      writeFileSync(path, bytes);
      assert.deepEqual(essence(decodePackets(bytes), precision), essence(expected, precision));
      checkWithTshark(t, path, expected.length);
    });
  }

  for (const packetBlock of ['simple', 'obsolete'] as const) {
    test(`${source} as pcapng ${packetBlock} packet blocks`, (t) => {
      const bytes = writePcapng(written, { interfaces: [{ linkType: 1 }], packetBlock });
      const path = join(dir, `${name}-${packetBlock}.pcapng`);
      writeFileSync(path, bytes);
      const packets = decodePackets(bytes);
      // a simple packet block has no timestamp: each packet keeps the previous one's (none here)
      const precision = 1000n;
      const expect =
        packetBlock === 'simple'
          ? essence(expected, precision).map((p) => ({ ...p, ts: 0n }))
          : essence(expected, precision);
      assert.deepEqual(essence(packets, precision), expect);
      checkWithTshark(t, path, expected.length);
    });
  }

  test(`${source} as pcapng with two interfaces (Ethernet in µs, Linux cooked v2 in 2^-30 s)`, (t) => {
    const mixed: WrittenFrame[] = written.map((f, i) =>
      i % 2 === 0 ? f : { ...f, data: wrapIp(ipOfEthernet(f.data), 'sll2'), interfaceId: 1, originalLength: undefined },
    );
    const bytes = writePcapng(mixed, {
      interfaces: [
        { linkType: 1, tsresol: 6 },
        { linkType: 276, tsresol: 0x80 | 30 },
      ],
    });
    const path = join(dir, `${name}-two-interfaces.pcapng`);
    writeFileSync(path, bytes);
    // 2^-30 s units round each timestamp down by less than a nanosecond
    assert.deepEqual(essence(decodePackets(bytes), 1000n), essence(expected, 1000n));
    checkWithTshark(t, path, expected.length);
  });

  for (const link of ['sll', 'sll2', 'null', 'loop', 'raw', 'vlan'] as const) {
    test(`${source} re-framed as ${link} (link type ${LINK_TYPE_OF[link]})`, (t) => {
      const reframed = written.map((f) => ({
        ...f,
        data: wrapIp(ipOfEthernet(f.data), link),
        originalLength: undefined,
      }));
      const bytes = writePcap(reframed, { linkType: LINK_TYPE_OF[link], nanos: true });
      const path = join(dir, `${name}-${link}.pcap`);
      writeFileSync(path, bytes);
      assert.deepEqual(essence(decodePackets(bytes)), essence(expected));
      checkWithTshark(t, path, expected.length);
    });
  }
}

test('frames cut by the snap length keep their true payload length', (t) => {
  if (!requireDeepflow(t)) return;
  const original = readFileSync(join(DEEPFLOW, 'http/httpv1.pcap'));
  const frames = framesOf(original);
  const cut = frames.map((f) => ({
    data: f.data.subarray(0, 100),
    timestampNs: f.timestampNs,
    originalLength: f.originalLength,
  }));
  const packets = decodePackets(writePcap(cut, { linkType: 1, snaplen: 100 }));
  const full = decodePackets(original);
  assert.equal(packets.length, full.length);
  for (let i = 0; i < full.length; i++) {
    assert.equal(packets[i].payloadLength, full[i].payloadLength);
    assert.ok(packets[i].payload.length < full[i].payload.length);
    assert.deepEqual(
      Buffer.from(packets[i].payload),
      Buffer.from(full[i].payload.subarray(0, packets[i].payload.length)),
    );
  }
});

test("the modified-pcap variant (24-byte record headers) of DeepFlow's nats captures", (t) => {
  if (!requireDeepflow(t)) return;
  const path = join(DEEPFLOW, 'nats/nats-nrpc1.pcap');
  assert.equal(readFileSync(path).readUInt32LE(0), 0xa1b2cd34);
  const packets = decodePackets(readFileSync(path));
  assert.ok(packets.length > 0);
  assert.ok(
    packets.every((p) => p.srcPort === 4222 || p.dstPort === 4222),
    'NATS traffic on port 4222',
  );
  checkWithTshark(t, path, packets.length);
});
