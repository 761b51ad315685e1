// syslog_parser against contrib's own cases (pkg/stanza/operator/parser/syslog/data.go) and the
// examples of RFC 5424 section 6.5; octet counting framing against RFC 6587 section 3.4.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { type Entry, newEntry, octetCountingSplit, operatorsSchema, Pipeline } from '../src/index.ts';

const logger = pino({ level: 'silent' });

function parse(config: Record<string, unknown>, body: string): Entry {
  const out: Entry[] = [];
  const p = new Pipeline(operatorsSchema.parse([{ type: 'syslog_parser', ...config }]), { logger }, (e) => out.push(e));
  p.process(newEntry(body, 0n));
  assert.equal(out.length, 1);
  return out[0];
}

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();
const SECURE_AUTH =
  '<86>1 2015-08-05T21:58:59.693Z 192.168.2.132 SecureAuth0 23108 ID52020 [SecureAuth@27389 UserHostAddress="192.168.2.132" Realm="SecureAuth0" UserID="Tester2" PEN="27389"] Found the user for retrieving user\'s profile';
const SECURE_AUTH_FIELDS = {
  appname: 'SecureAuth0',
  hostname: '192.168.2.132',
  message: "Found the user for retrieving user's profile",
  msg_id: 'ID52020',
  proc_id: '23108',
  structured_data: {
    'SecureAuth@27389': { PEN: '27389', Realm: 'SecureAuth0', UserHostAddress: '192.168.2.132', UserID: 'Tester2' },
  },
  version: 1n,
};

test('contrib case RFC5424: fields to attributes, severity info, facility 10, the body kept', () => {
  const e = parse({ protocol: 'rfc5424' }, SECURE_AUTH);
  assert.deepEqual(e.attributes, { ...SECURE_AUTH_FIELDS, priority: 86n, facility: 10n });
  assert.equal(iso(e.timestamp), '2015-08-05T21:58:59.693Z');
  assert.equal(e.severity, 9);
  assert.equal(e.severityText, 'info');
  assert.equal(e.body, SECURE_AUTH);
});

test('contrib cases: octet counting and a NUL trailer give the same fields', () => {
  const counted = `215 ${SECURE_AUTH}`;
  const a = parse({ protocol: 'rfc5424', enable_octet_counting: true }, counted);
  assert.deepEqual(a.attributes, { ...SECURE_AUTH_FIELDS, priority: 86n, facility: 10n });
  assert.equal(a.body, counted);
  const b = parse({ protocol: 'rfc5424', non_transparent_framing_trailer: 'NUL' }, `${SECURE_AUTH}\0`);
  assert.deepEqual(b.attributes, { ...SECURE_AUTH_FIELDS, priority: 86n, facility: 10n });
});

test('contrib cases: allow_skip_pri_header with and without PRI', () => {
  const absent = parse({ protocol: 'rfc5424', allow_skip_pri_header: true }, SECURE_AUTH.slice('<86>'.length));
  assert.deepEqual(absent.attributes, SECURE_AUTH_FIELDS, 'no priority or facility without PRI');
  assert.equal(absent.severity, 0);
  assert.equal(absent.severityText, '');
  const present = parse({ protocol: 'rfc5424', allow_skip_pri_header: true }, `<123>${SECURE_AUTH.slice(4)}`);
  assert.equal(present.attributes.priority, 123n);
  assert.equal(present.attributes.facility, 15n);
  assert.equal(present.severityText, 'err');
  assert.equal(present.severity, 17);
});

test('contrib cases RFC3164: this year, in the configured location; crit is severity 18', () => {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const day = String(now.getUTCDate()).padStart(2, ' ');
  const body = `<34>${month} ${day} 10:11:12 1.2.3.4 apache_server: test message`;
  const utc = parse({ protocol: 'rfc3164' }, body);
  assert.deepEqual(utc.attributes, {
    appname: 'apache_server',
    facility: 4n,
    hostname: '1.2.3.4',
    message: 'test message',
    priority: 34n,
  });
  assert.equal(utc.severity, 18);
  assert.equal(utc.severityText, 'crit');
  const y = now.getUTCFullYear();
  const mm = String(now.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(now.getUTCDate()).padStart(2, '0');
  assert.equal(iso(utc.timestamp), `${y}-${mm}-${dd}T10:11:12.000Z`);
  // Athens is UTC+2 in winter and UTC+3 in summer: the same wall clock is 2 or 3 hours earlier in UTC
  const athens = parse({ protocol: 'rfc3164', location: 'Europe/Athens' }, body);
  const hours = Number(utc.timestamp - athens.timestamp) / 3.6e12;
  assert.ok(hours === 2 || hours === 3, `Athens offset ${hours} h`);
  const skipped = parse({ protocol: 'rfc3164', allow_skip_pri_header: true }, body.slice(4));
  assert.deepEqual(skipped.attributes, { appname: 'apache_server', hostname: '1.2.3.4', message: 'test message' });
});

test('RFC 5424 section 6.5 examples: nil values, the BOM, several SD elements, a message-less record', () => {
  const ex1 = parse(
    { protocol: 'rfc5424' },
    "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \ufeff'su root' failed for lonvick on /dev/pts/8",
  );
  assert.deepEqual(ex1.attributes, {
    version: 1n,
    hostname: 'mymachine.example.com',
    appname: 'su',
    msg_id: 'ID47',
    message: "'su root' failed for lonvick on /dev/pts/8",
    priority: 34n,
    facility: 4n,
  });
  assert.equal(iso(ex1.timestamp), '2003-10-11T22:14:15.003Z');
  const ex2 = parse(
    { protocol: 'rfc5424' },
    "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
  );
  assert.equal(ex2.timestamp, BigInt(Date.parse('2003-08-24T12:14:15Z')) * 1_000_000n + 3000n);
  assert.equal(ex2.attributes.proc_id, '8710');
  assert.equal(ex2.severityText, 'notice');
  const ex4 = parse(
    { protocol: 'rfc5424' },
    '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]',
  );
  assert.deepEqual(ex4.attributes.structured_data, {
    'exampleSDID@32473': { iut: '3', eventSource: 'Application', eventID: '1011' },
    'examplePriority@32473': { class: 'high' },
  });
  assert.equal(ex4.attributes.message, undefined);
});

test('an escaped quote, backslash and bracket inside a parameter value are unescaped', () => {
  const e = parse({ protocol: 'rfc5424' }, '<14>1 - - - - - [x@1 a="q\\"b\\\\c\\]d"] m');
  assert.deepEqual(e.attributes.structured_data, { 'x@1': { a: 'q"b\\c]d' } });
});

test('a malformed message: on_error send passes the entry on unparsed', () => {
  const e = parse({ protocol: 'rfc5424' }, 'not syslog at all');
  assert.deepEqual(e.attributes, {});
  assert.equal(e.body, 'not syslog at all');
});

test("config checks as contrib's Build", () => {
  const problems = (c: Record<string, unknown>) => {
    const r = operatorsSchema.safeParse([{ type: 'syslog_parser', ...c }]);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(problems({}), /Required/);
  assert.match(problems({ protocol: 'rfc3164', enable_octet_counting: true }), /only compatible with protocol rfc5424/);
  assert.match(
    problems({ protocol: 'rfc5424', enable_octet_counting: true, non_transparent_framing_trailer: 'LF' }),
    /only one of octet_counting or non_transparent_framing/,
  );
  assert.match(
    problems({ protocol: 'rfc5424', non_transparent_framing_trailer: 'CR' }),
    /Must be either 'LF' or 'NUL'/,
  );
  assert.match(problems({ protocol: 'rfc5425' }), /unsupported protocol version: rfc5425/);
  assert.match(problems({ protocol: 'rfc3164', location: 'Mars/Base' }), /invalid 'location'/);
  assert.equal(problems({ protocol: 'RFC5424' }), '');
});

test('RFC 6587 octet counting: frames across reads, a frame cut at max_log_size, unframed bytes to the newline', () => {
  const split = octetCountingSplit(16);
  const buf = Buffer.from('5 hello11 hello world3 ab');
  assert.deepEqual(split(buf, false), [0, 7, 7, 7, 21, 21], 'the third frame is not complete yet');
  // cut at 16 bytes of message; the frame's other 20 bytes, no newline among them and over
  // max_log_size, are one unframed token (the parser reports it)
  assert.deepEqual(split(Buffer.from('30 0123456789abcdefghijklmnopqrstuvwxyz'), false), [0, 19, 19, 19, 39, 39]);
  const garbage = split(Buffer.from('junk line\n4 abcd'), false);
  assert.deepEqual(garbage, [0, 9, 10, 10, 16, 16]);
  assert.deepEqual(split(Buffer.from('12'), false), [], 'a length still arriving waits');
});
