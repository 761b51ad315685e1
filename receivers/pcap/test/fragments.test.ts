// IP fragments, cut from real datagrams (a DNS answer over IPv4/UDP, an AMQP segment over
// IPv6/TCP) and delivered out of order: reassembled into the original packet, as tshark does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CaptureParser, decodePackets, PacketDecoder, type CaptureFrame } from '../src/index.ts';
import { writePcap } from './support/capture-writer.ts';
import { DEEPFLOW_CAPTURES, requireDeepflow } from './support/deepflow.ts';
import { hasTshark, requireTool } from './support/tshark.ts';

const dir = mkdtempSync(join(tmpdir(), 'pcap-fragments-'));
const ETH = 14;

function frames(path: string): CaptureFrame[] {
  const parser = new CaptureParser();
  return parser.push(readFileSync(path));
}

/** The largest frame of a capture, as a Buffer. */
function largest(path: string): { data: Buffer; timestampNs: bigint } {
  const f = frames(path).reduce((a, b) => (b.data.length > a.data.length ? b : a));
  return { data: Buffer.from(f.data), timestampNs: f.timestampNs };
}

/** IPv4 fragments of an Ethernet frame's datagram, `size` payload bytes each (a multiple of 8). */
function fragmentIpv4(frame: Buffer, size: number): Buffer[] {
  const ihl = (frame[ETH] & 0x0f) * 4;
  const header = frame.subarray(0, ETH + ihl);
  const payload = frame.subarray(ETH + ihl, ETH + frame.readUInt16BE(ETH + 2));
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const piece = payload.subarray(at, at + size);
    const fragment = Buffer.concat([header, piece]);
    fragment.writeUInt16BE(ihl + piece.length, ETH + 2);
    const more = at + size < payload.length ? 0x2000 : 0;
    fragment.writeUInt16BE(more | (at / 8), ETH + 6);
    out.push(fragment);
  }
  return out;
}

/** IPv6 fragments (a fragment header after the fixed header) of an Ethernet frame's packet. */
function fragmentIpv6(frame: Buffer, size: number, id: number): Buffer[] {
  const nextHeader = frame[ETH + 6];
  const payload = frame.subarray(ETH + 40, ETH + 40 + frame.readUInt16BE(ETH + 4));
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const piece = payload.subarray(at, at + size);
    const fixed = Buffer.from(frame.subarray(0, ETH + 40));
    fixed[ETH + 6] = 44;
    fixed.writeUInt16BE(8 + piece.length, ETH + 4);
    const fragmentHeader = Buffer.alloc(8);
    fragmentHeader[0] = nextHeader;
    fragmentHeader.writeUInt16BE(at | (at + size < payload.length ? 1 : 0), 2);
    fragmentHeader.writeUInt32BE(id, 4);
    out.push(Buffer.concat([fixed, fragmentHeader, piece]));
  }
  return out;
}

function check(
  t: { skip(msg: string): void },
  name: string,
  original: { data: Buffer; timestampNs: bigint },
  fragments: Buffer[],
  tsharkField: string,
) {
  const expected = decodePackets(writePcap([original], { linkType: 1 }));
  assert.equal(expected.length, 1);
  // last fragment first, then the rest: arrival order must not matter
  const shuffled = [fragments[fragments.length - 1], ...fragments.slice(0, -1)];
  const bytes = writePcap(
    shuffled.map((data, i) => ({ data, timestampNs: original.timestampNs + BigInt(i) })),
    { linkType: 1 },
  );
  const packets = decodePackets(bytes);
  assert.equal(packets.length, 1, `${name}: one packet out of ${fragments.length} fragments`);
  assert.deepEqual(Buffer.from(packets[0].payload), Buffer.from(expected[0].payload));
  assert.equal(packets[0].srcPort, expected[0].srcPort);
  assert.equal(packets[0].payloadLength, expected[0].payloadLength);
  if (!hasTshark()) return requireTool(t, 'tshark');
  const path = join(dir, `${name}.pcap`);
  writeFileSync(path, bytes);
  const seen = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', tsharkField, '-Y', tsharkField], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  assert.equal(seen.trim().split('\n').filter(Boolean).length, 1, `tshark reassembles ${name} into one ${tsharkField}`);
}

test('IPv4 fragments of a DNS answer, out of order', (t) => {
  if (!requireDeepflow(t)) return;
  const original = largest(join(DEEPFLOW_CAPTURES, 'dns/a-and-ns.pcap'));
  const fragments = fragmentIpv4(original.data, 24);
  assert.ok(fragments.length >= 3);
  check(t, 'ipv4-dns', original, fragments, 'dns.id');
});

test('IPv6 fragments of an AMQP segment, out of order', (t) => {
  if (!requireDeepflow(t)) return;
  const original = largest(join(DEEPFLOW_CAPTURES, 'amqp/amqp-error.pcap'));
  assert.equal(original.data[ETH] >> 4, 6);
  check(t, 'ipv6-amqp', original, fragmentIpv6(original.data, 64, 0xf10e), 'amqp.type');
});

test('a datagram missing a fragment yields nothing and is counted', (t) => {
  if (!requireDeepflow(t)) return;
  const original = largest(join(DEEPFLOW_CAPTURES, 'dns/a-and-ns.pcap'));
  const fragments = fragmentIpv4(original.data, 24);
  const decoder = new PacketDecoder();
  const parser = new CaptureParser();
  const incomplete = writePcap(
    [fragments[0], fragments[2]].map((data) => ({ data, timestampNs: original.timestampNs })),
    { linkType: 1 },
  );
  const packets = parser
    .push(incomplete)
    .map((f) => decoder.decode(f))
    .filter(Boolean);
  assert.equal(packets.length, 0);
  assert.equal(decoder.stats.fragments, 2);
  assert.equal(decoder.stats.reassembled, 0);
});
