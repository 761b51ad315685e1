// The udplog receiver against real UDP senders: util-linux's logger and bash's /dev/udp; a
// datagram a record, multiline records inside a datagram, net.* attributes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { anyValueText, freePort, logAttribute, receiveLogs, waitFor } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

const bashSend = (port: number, text: string) =>
  execFileSync('bash', ['-c', `cat > /dev/udp/127.0.0.1/${port}`], { input: text });

test('logger over UDP: a datagram is a record, its trailing newline dropped; net.* attributes', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, { listen_address: `127.0.0.1:${port}`, add_attributes: true });
  try {
    for (const n of [1, 2])
      execFileSync('logger', ['--udp', '-n', '127.0.0.1', '-P', String(port), '--rfc5424', '-t', 'app', `udp ${n}`]);
    await waitFor('two records', async () => got.bodies.length >= 2);
    // logger's RFC 5424 record: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [timeQuality ...] MSG
    for (const [i, body] of got.bodies.entries())
      assert.match(body, new RegExp(`^<13>1 \\S+ \\S+ app - - \\[timeQuality [^\\]]*\\] udp ${i + 1}$`));
    const r = got.records[0];
    assert.equal(anyValueText(logAttribute(r, 'net.transport')), 'IP.UDP');
    assert.equal(anyValueText(logAttribute(r, 'net.peer.ip')), '127.0.0.1');
    assert.equal(anyValueText(logAttribute(r, 'net.host.port')), String(port));
  } finally {
    await got.receiver.shutdown();
  }
});

test('without multiline a datagram of several lines is one record; with it, one record per match', async () => {
  const [a, b] = [await freePort(), await freePort()];
  const whole = await receiveLogs(factory, { listen_address: `127.0.0.1:${a}` });
  const split = await receiveLogs(factory, {
    listen_address: `127.0.0.1:${b}`,
    multiline: { line_start_pattern: '^\\S' },
  });
  try {
    const datagram = 'first\n  continued\nsecond\n\0\0';
    bashSend(a, datagram);
    bashSend(b, datagram);
    await waitFor('both receivers', async () => whole.bodies.length >= 1 && split.bodies.length >= 2);
    assert.deepEqual(whole.bodies, ['first\n  continued\nsecond']);
    assert.deepEqual(split.bodies, ['first\n  continued', 'second']);
  } finally {
    await whole.receiver.shutdown();
    await split.receiver.shutdown();
  }
});

test('config: async is refused with the reason; storage has nothing to keep', () => {
  const problems = (c: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(c);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(problems({ listen_address: 'localhost:1', async: { readers: 2 } }), /one thread/);
  assert.match(problems({ listen_address: 'localhost:1', storage: 'x' }), /none to keep/);
  assert.match(problems({ listen_address: 'localhost:1', max_log_size: '1MiB' }), /Unrecognized key/);
  assert.equal(problems({ listen_address: '0.0.0.0:54525', one_log_per_packet: true }), '');
});
