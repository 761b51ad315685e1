// The syslog receiver against real senders: util-linux's logger (RFC 3164 and RFC 5424, over UDP,
// TCP with non-transparent framing and TCP with octet counting) and rsyslog forwarding what it
// received in RFC 5424 with octet counting, as a relay in front of a collector does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { anyValueText, freePort, hasCommand, logAttribute, receiveLogs, waitFor } from '@flowtel/testkit';
import type { LogRecord } from '@flowtel/pdata';
import { factory } from '../src/index.ts';

const attr = (r: LogRecord, k: string) => anyValueText(logAttribute(r, k));
const logger = (...args: string[]) => execFileSync('logger', args);

test('logger RFC 3164 over UDP: priority, facility, severity, host, app, pid and message', async () => {
  const port = await freePort();
  const got = await receiveLogs(factory, { udp: { listen_address: `127.0.0.1:${port}` }, protocol: 'rfc3164' });
  try {
    logger(
      '--udp',
      '-n',
      '127.0.0.1',
      '-P',
      String(port),
      '--rfc3164',
      '-p',
      'local0.warning',
      '-t',
      'myapp',
      '-i',
      'disk almost full',
    );
    await waitFor('one record', async () => got.records.length >= 1);
    const r = got.records[0];
    // local0 is facility 16, warning severity 4: PRI 16*8+4 = 132 (RFC 5424 section 6.2.1)
    assert.equal(attr(r, 'priority'), '132');
    assert.equal(attr(r, 'facility'), '16');
    assert.equal(r.severityNumber, 13);
    assert.equal(r.severityText, 'warning');
    assert.equal(attr(r, 'hostname'), hostname());
    assert.equal(attr(r, 'appname'), 'myapp');
    assert.match(attr(r, 'proc_id'), /^\d+$/);
    assert.equal(attr(r, 'message'), 'disk almost full');
    const skew = Math.abs(Number(BigInt(r.timeUnixNano) / 1_000_000n) - Date.now());
    assert.ok(skew < 60_000, `the record's time is the message's (off by ${skew} ms)`);
  } finally {
    await got.receiver.shutdown();
  }
});

for (const framing of ['non-transparent', 'octet-counting'] as const)
  test(`logger RFC 5424 over TCP with ${framing} framing: structured data, msgid, severity`, async () => {
    const port = await freePort();
    const got = await receiveLogs(factory, {
      tcp: { listen_address: `127.0.0.1:${port}` },
      protocol: 'rfc5424',
      enable_octet_counting: framing === 'octet-counting',
    });
    try {
      const args = ['--tcp', '-n', '127.0.0.1', '-P', String(port), '--rfc5424', '-p', 'user.err', '-t', 'billing'];
      if (framing === 'octet-counting') args.push('--octet-count');
      for (const n of [1, 2])
        logger(...args, '--msgid', `ID${n}`, '--sd-id', 'order@32473', '--sd-param', `id="${n}"`, `charge failed ${n}`);
      await waitFor('two records', async () => got.records.length >= 2);
      for (const [i, r] of got.records.entries()) {
        assert.equal(attr(r, 'priority'), '11', 'user (1) * 8 + err (3)');
        assert.equal(r.severityText, 'err');
        assert.equal(r.severityNumber, 17);
        assert.equal(attr(r, 'version'), '1');
        assert.equal(attr(r, 'appname'), 'billing');
        assert.equal(attr(r, 'msg_id'), `ID${i + 1}`);
        assert.equal(attr(r, 'message'), `charge failed ${i + 1}`);
        const sd = JSON.parse(attr(r, 'structured_data'));
        assert.ok(JSON.stringify(sd).includes(`"order@32473"`), JSON.stringify(sd));
        assert.ok(JSON.stringify(sd).includes('timeQuality'), 'logger adds its timeQuality element');
      }
    } finally {
      await got.receiver.shutdown();
    }
  });

test('rsyslog relays to the receiver in RFC 5424 with octet counting', async (t) => {
  if (!hasCommand('rsyslogd')) {
    if (process.env.CI === 'true') assert.fail('rsyslogd is not installed (Debian package rsyslog)');
    return t.skip('rsyslogd is not installed (Debian package rsyslog)');
  }
  const [rsyslogPort, port] = [await freePort(), await freePort()];
  const got = await receiveLogs(factory, {
    tcp: { listen_address: `127.0.0.1:${port}` },
    protocol: 'rfc5424',
    enable_octet_counting: true,
  });
  const dir = mkdtempSync(join(tmpdir(), 'rsyslog-'));
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    [
      `global(workDirectory="${dir}")`,
      'module(load="imudp")',
      `input(type="imudp" address="127.0.0.1" port="${rsyslogPort}")`,
      `*.* action(type="omfwd" target="127.0.0.1" port="${port}" protocol="tcp" TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")`,
    ].join('\n') + '\n',
  );
  const rsyslogd = spawn('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], {
    stdio: 'ignore',
  });
  try {
    // rsyslog is ready once it relays; logger sends until the first message comes through
    await waitFor('rsyslog relays', async () => {
      logger(
        '--udp',
        '-n',
        '127.0.0.1',
        '-P',
        String(rsyslogPort),
        '--rfc3164',
        '-p',
        'daemon.info',
        '-t',
        'relayed',
        'through rsyslog',
      );
      return got.records.length >= 1;
    });
    const r = got.records[0];
    assert.equal(attr(r, 'appname'), 'relayed');
    assert.equal(attr(r, 'priority'), '30', 'daemon (3) * 8 + info (6)');
    assert.equal(r.severityText, 'info');
    // rsyslog's msg property keeps the space that followed "relayed:" in the RFC 3164 input
    // (its mmrm1stspace module exists to remove it); the RFC 5424 record carries it as sent
    assert.equal(attr(r, 'message'), ' through rsyslog');
  } finally {
    rsyslogd.kill();
    await got.receiver.shutdown();
  }
});

test("config: a tcp or a udp input, and contrib's framing checks", () => {
  const problems = (c: Record<string, unknown>) => {
    const r = factory.configSchema.safeParse(c);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(problems({ protocol: 'rfc5424' }), /need tcp config or udp config/);
  assert.match(
    problems({ protocol: 'rfc5424', udp: { listen_address: 'localhost:1' }, enable_octet_counting: true }),
    /not compatible with UDP/,
  );
  assert.match(problems({ tcp: { listen_address: 'localhost:1' } }), /Required/);
  assert.equal(problems({ tcp: { listen_address: '0.0.0.0:54526' }, protocol: 'rfc5424' }), '');
  assert.equal(problems({ udp: { listen_address: '0.0.0.0:54526' }, protocol: 'rfc3164', location: 'UTC' }), '');
});
