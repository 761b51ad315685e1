import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4Text, ipv6Text } from '../src/ip-text.ts';

const v6 = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/ /g, ''), 'hex'));

test('IPv4 as dotted quads', () => {
  assert.equal(ipv4Text(Uint8Array.from([9, 9, 127, 0, 0, 1]), 2), '127.0.0.1');
});

test('IPv6 as RFC 5952 text, IPv4-mapped as IPv4', () => {
  assert.equal(ipv6Text(v6('0000 0000 0000 0000 0000 0000 0000 0001'), 0), '::1');
  assert.equal(ipv6Text(v6('0000 0000 0000 0000 0000 0000 0000 0000'), 0), '::');
  assert.equal(ipv6Text(v6('2001 0db8 0000 0000 0001 0000 0000 0001'), 0), '2001:db8::1:0:0:1');
  assert.equal(ipv6Text(v6('2001 0db8 0000 0001 0001 0001 0001 0001'), 0), '2001:db8:0:1:1:1:1:1');
  assert.equal(ipv6Text(v6('fe80 0000 0000 0000 0202 b3ff fe1e 8329'), 0), 'fe80::202:b3ff:fe1e:8329');
  assert.equal(ipv6Text(v6('0000 0000 0000 0000 0000 ffff 7f00 0001'), 0), '127.0.0.1');
});
