// Addresses in the form the ebpf receiver writes them (one formatter, @flowtel/socket-source):
// an IPv6 packet between IPv4-mapped addresses names its ends as plain IPv4, so a connection a
// dual-stack server accepted from an IPv4 client has one address text on both ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinkType, PacketDecoder } from '../src/index.ts';

/** A raw IPv6/UDP packet (link type RAW) from `src` to `dst`, each 16 bytes given as hex. */
function ipv6Udp(src: string, dst: string): Uint8Array {
  const payload = Buffer.from('ping');
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(40000, 0);
  udp.writeUInt16BE(53, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x60000000, 0);
  header.writeUInt16BE(udp.length + payload.length, 4);
  header[6] = 17;
  header[7] = 64;
  Buffer.from(src, 'hex').copy(header, 8);
  Buffer.from(dst, 'hex').copy(header, 24);
  return Buffer.concat([header, udp, payload]);
}

test('IPv4-mapped IPv6 addresses are written as plain IPv4, other IPv6 as RFC 5952 text', () => {
  const decoder = new PacketDecoder();
  const frame = (data: Uint8Array) => ({
    index: 1,
    linkType: LinkType.RAW,
    timestampNs: 0n,
    data,
    originalLength: data.length,
    interfaceId: 0,
  });
  const mapped = decoder.decode(frame(ipv6Udp('00000000000000000000ffff7f000001', '00000000000000000000ffff0a000002')));
  assert.equal(mapped?.srcAddr, '127.0.0.1');
  assert.equal(mapped?.dstAddr, '10.0.0.2');
  const plain = decoder.decode(frame(ipv6Udp('20010db8000000000001000000000001', '00000000000000000000000000000001')));
  assert.equal(plain?.srcAddr, '2001:db8::1:0:0:1');
  assert.equal(plain?.dstAddr, '::1');
});
