// The tcplog receiver against real TCP clients: util-linux's logger, bash's /dev/tcp and
// openssl s_client over TLS; newline and multiline records, net.* attributes, back-pressure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { retryable } from '@flowtel/core';
import { freePort, logAttribute, makeTestCerts, receiveLogs, waitFor, anyValueText } from '@flowtel/testkit';
import { factory } from '../src/index.ts';

/** bash writes `text` to a TCP connection (its own /dev/tcp client) and closes it */
const bashSend = (port: number, text: string) =>
  execFileSync('bash', ['-c', `cat > /dev/tcp/127.0.0.1/${port}`], { input: text });

test('logger over TCP: each line a record, the body as sent; net.* attributes with add_attributes', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, { listen_address: `127.0.0.1:${port}`, add_attributes: true });
  try {
    for (const n of [1, 2, 3])
      execFileSync('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(port), '--rfc3164', '-t', 'app', `hello ${n}`]);
    await waitFor('three records', async () => got.bodies.length >= 3);
    // logger's RFC 3164 line: <PRI>Mmm dd hh:mm:ss HOST TAG: MSG (user.notice is PRI 13)
    for (const [i, body] of got.bodies.entries())
      assert.match(body, new RegExp(`^<13>\\w{3} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\S+ app: hello ${i + 1}$`));
    const r = got.records[0];
    assert.equal(anyValueText(logAttribute(r, 'net.transport')), 'IP.TCP');
    assert.equal(anyValueText(logAttribute(r, 'net.peer.ip')), '127.0.0.1');
    assert.equal(anyValueText(logAttribute(r, 'net.host.ip')), '127.0.0.1');
    assert.equal(anyValueText(logAttribute(r, 'net.host.port')), String(port));
    assert.match(anyValueText(logAttribute(r, 'net.peer.port')), /^\d+$/);
    // the name /etc/hosts gives 127.0.0.1 (getent reads it as Go's resolver does)
    const hostsName = execFileSync('getent', ['hosts', '127.0.0.1']).toString().trim().split(/\s+/)[1];
    assert.equal(anyValueText(logAttribute(r, 'net.peer.name')), hostsName);
  } finally {
    await got.receiver.shutdown();
  }
});

test('multiline records, an unterminated last line at the close, attributes and operators', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, {
    listen_address: `127.0.0.1:${port}`,
    multiline: { line_start_pattern: '^\\d{4}-' },
    attributes: { source: 'bash' },
    resource: { 'service.name': 'tcp-test' },
    operators: [{ type: 'regex_parser', regex: '^(?P<date>\\S+) (?P<level>[A-Z]+)' }],
  });
  try {
    bashSend(port, '2026-12-06 ERROR boom\n  at a()\n  at b()\n2026-12-06 INFO ok\n2026-12-07 WARN last, no newline');
    await waitFor('three records', async () => got.bodies.length >= 3);
    assert.deepEqual(got.bodies, [
      '2026-12-06 ERROR boom\n  at a()\n  at b()',
      '2026-12-06 INFO ok',
      '2026-12-07 WARN last, no newline',
    ]);
    assert.deepEqual(
      got.records.map((r) => anyValueText(logAttribute(r, 'level'))),
      ['ERROR', 'INFO', 'WARN'],
    );
    assert.equal(anyValueText(logAttribute(got.records[0], 'source')), 'bash');
    assert.equal(anyValueText(got.resources[0].attributes.find((a) => a.key === 'service.name')?.value), 'tcp-test');
  } finally {
    await got.receiver.shutdown();
  }
});

test('TLS: openssl s_client sends lines through the receiver certificate', async (t) => {
  const certs = makeTestCerts();
  if (!certs) return t.skip('openssl is not installed');
  const port = await freePort();
  const got = await receiveLogs(factory, {
    listen_address: `127.0.0.1:${port}`,
    tls: { cert_file: certs.serverCertFile, key_file: certs.serverKeyFile },
  });
  try {
    const client = spawn('openssl', ['s_client', '-quiet', '-connect', `127.0.0.1:${port}`, '-CAfile', certs.caFile], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    client.stderr.on('data', (d) => (err += d));
    client.stdin.end('secret line 1\nsecret line 2\n');
    await waitFor('two records over TLS', async () => got.bodies.length >= 2);
    client.kill();
    assert.deepEqual(got.bodies, ['secret line 1', 'secret line 2']);
    assert.match(err, /verify return:1/, 'the client verified the receiver certificate');
  } finally {
    await got.receiver.shutdown();
  }
});

test('back-pressure: while the pipeline refuses, the connection is not read; every line arrives once, in order', async () => {
  const port = await freePort();
  let refusals = 3;
  const got = await receiveLogs(factory, { listen_address: `127.0.0.1:${port}` }, async () => {
    if (refusals > 0) {
      refusals--;
      throw retryable('pipeline busy');
    }
  });
  try {
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`);
    bashSend(port, lines.join('\n') + '\n');
    await waitFor('every line', async () => got.bodies.length >= lines.length);
    assert.equal(refusals, 0, 'the pipeline refused');
    assert.deepEqual(got.bodies, lines);
  } finally {
    await got.receiver.shutdown();
  }
});

test("config: contrib's checks, and the keys flowtel refuses", () => {
  const problems = (c: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(c);
    return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  };
  assert.match(problems({}), /listen_address: Required/);
  assert.match(problems({ listen_address: 'localhost' }), /must be host:port/);
  assert.match(
    problems({ listen_address: 'localhost:1', max_log_size: '1KiB' }),
    /must be equal to or greater than 65536/,
  );
  assert.match(problems({ listen_address: 'localhost:1', storage: 'file_storage' }), /none to keep/);
  assert.match(problems({ listen_address: 'localhost:1', max_buffer_size: '1MiB' }), /write max_log_size/);
  assert.match(problems({ listen_address: 'localhost:1', encoding: 'klingon' }), /unsupported encoding/);
  const c = factory.configSchema.parse({ listen_address: 'localhost:1' });
  assert.equal(c.max_log_size, 1024 * 1024);
  assert.equal(c.add_attributes, false);
  assert.equal(c.retry_on_failure.enabled, false);
});
