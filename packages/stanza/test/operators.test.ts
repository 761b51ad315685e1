// The operators against the examples of contrib's stanza docs (pkg/stanza/docs/operators and
// types): the input entries and the outputs the docs show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { type Entry, newEntry, operatorsSchema, Pipeline, toLogs } from '../src/index.ts';
import { GoTimeLayout, loadZone, parseEpoch, strptimeToGo } from '../src/timeparse.ts';

const logger = pino({ level: 'silent' });

function run(operators: unknown[], entries: Array<Partial<Entry>>, flush = false): Entry[] {
  const configs = operatorsSchema.parse(operators);
  const out: Entry[] = [];
  const p = new Pipeline(configs, { logger }, (e) => out.push(e));
  for (const partial of entries) p.process({ ...newEntry('', 0n), ...partial });
  if (flush) p.flush(true);
  return out;
}

const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString();

test('filelog README example: regex_parser with embedded timestamp (strptime) and severity', () => {
  const [e] = run(
    [
      {
        type: 'regex_parser',
        regex: '^(?P<time>\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}) (?P<sev>[A-Z]*) (?P<msg>.*)$',
        timestamp: { parse_from: 'attributes.time', layout: '%Y-%m-%d %H:%M:%S', location: 'UTC' },
        severity: { parse_from: 'attributes.sev' },
      },
    ],
    [{ body: '2023-06-19 05:20:50 ERROR This is a test error message' }],
  );
  assert.equal(iso(e.timestamp), '2023-06-19T05:20:50.000Z');
  assert.equal(e.severity, 17);
  assert.equal(e.severityText, 'ERROR');
  assert.deepEqual(e.attributes, { time: '2023-06-19 05:20:50', sev: 'ERROR', msg: 'This is a test error message' });
  assert.equal(e.body, '2023-06-19 05:20:50 ERROR This is a test error message', 'the body is kept');
});

test('json_parser then severity_parser; JSON numbers are doubles as contrib decodes them', () => {
  const [e] = run(
    [{ type: 'json_parser' }, { type: 'severity_parser', parse_from: 'attributes.level' }],
    [{ body: '{"level":"warning","n":3,"nested":{"a":true}}' }],
  );
  assert.equal(e.severity, 13, 'warning is WARN in the default preset');
  assert.equal(e.severityText, 'warning');
  const logs = toLogs([e]);
  const attrs = logs.resourceLogs[0].scopeLogs[0].logRecords[0].attributes;
  assert.deepEqual(attrs.find((a) => a.key === 'n')?.value, { doubleValue: 3 });
  assert.deepEqual(attrs.find((a) => a.key === 'nested')?.value, {
    kvlistValue: { values: [{ key: 'a', value: { boolValue: true } }] },
  });
});

test('severity mapping: ranges, 5xx, several values, overwrite_text', () => {
  const ops = [
    {
      type: 'severity_parser',
      parse_from: 'body',
      mapping: { error: '5xx', warn: ['4xx', 'oops'], info: { min: 200, max: 299 } },
      overwrite_text: true,
    },
  ];
  const got = run(ops, [{ body: 503n }, { body: 'OOPS' }, { body: 204 }, { body: 'nothing' }]).map((e) => [
    e.severity,
    e.severityText,
  ]);
  assert.deepEqual(got, [
    [17, 'ERROR'],
    [13, 'WARN'],
    [9, 'INFO'],
    [0, 'nothing'],
  ]);
});

test('time layouts: gotime with MST, strptime %b %e, epoch (docs/types/timestamp.md)', () => {
  const gotime = new GoTimeLayout('Jan 2 15:04:05 MST 2006', loadZone(undefined));
  assert.equal(iso(gotime.parse('Jun 5 13:50:27 EST 2020')), '2020-06-05T18:50:27.000Z');
  const strp = new GoTimeLayout(strptimeToGo('%a %b %e %H:%M:%S %Z %Y'), loadZone('UTC'));
  assert.equal(iso(strp.parse('Fri Jun  5 13:50:27 UTC 2020')), '2020-06-05T13:50:27.000Z');
  // 1136214245 s is 15:04:05 UTC (the docs print it with a -07:00 suffix, which is 7 hours off)
  assert.equal(iso(parseEpoch('s', 1136214245n)), '2006-01-02T15:04:05.000Z');
  assert.equal(parseEpoch('s.ns', '1136214245.123456789'), 1136214245123456789n);
  const withZone = new GoTimeLayout(strptimeToGo('%Y-%m-%d %H:%M:%S.%f %z'), loadZone(undefined));
  assert.equal(withZone.parse('2022-01-02 07:24:56.123456 -0700'), 1641133496123456000n);
  const nyc = new GoTimeLayout(strptimeToGo('%Y-%m-%d %H:%M:%S'), loadZone('America/New_York'));
  assert.equal(iso(nyc.parse('2024-07-01 12:00:00')), '2024-07-01T16:00:00.000Z', 'EDT, UTC-4 in July');
  assert.throws(() => strptimeToGo('%Q'), /unsupported strptime directive %Q/);
  assert.throws(() => gotime.parse('Foo 5 13:50:27 EST 2020'), /cannot parse/);
});

const podPath =
  '/var/log/pods/some_kube-controller-kind-control-plane_49cc7c1fd3702c40b2686ea7486091d6/kube-controller/1.log';
const k8s = {
  'k8s.pod.name': 'kube-controller-kind-control-plane',
  'k8s.pod.uid': '49cc7c1fd3702c40b2686ea7486091d6',
  'k8s.container.name': 'kube-controller',
  'k8s.container.restart_count': '1',
  'k8s.namespace.name': 'some',
};

test('container: docker, cri-o and containerd lines as the container operator docs show them', () => {
  const out = run(
    [{ type: 'container' }],
    [
      {
        body: '{"log":"INFO: log line here\\n","stream":"stdout","time":"2024-03-30T08:31:20.545192187Z"}',
        attributes: { 'log.file.path': podPath },
      },
      {
        body: '2024-04-13T07:59:37.505201169-05:00 stdout F standalone crio line which is awesome',
        attributes: { 'log.file.path': podPath },
      },
      {
        body: '2023-06-22T10:27:25.813799277Z stdout F standalone containerd line that is super awesome',
        attributes: { 'log.file.path': podPath },
      },
    ],
  );
  assert.equal(out.length, 3);
  assert.equal(out[0].body, 'INFO: log line here');
  assert.equal(out[0].timestamp, 1711787480545192187n);
  assert.deepEqual(out[0].attributes, { 'log.file.path': podPath, 'log.iostream': 'stdout' });
  assert.equal(out[1].body, 'standalone crio line which is awesome');
  assert.equal(out[1].timestamp, 1713013177505201169n, '12:59:37.505201169 UTC');
  assert.equal(out[1].attributes.logtag, 'F');
  assert.equal(out[2].timestamp, 1687429645813799277n);
  for (const e of out) assert.deepEqual(e.resource, k8s);
});

test('container: CRI partial lines (P) are joined with the final one (F)', () => {
  const out = run(
    [{ type: 'container' }],
    [
      {
        body: '2023-06-22T10:27:25.813799277Z stdout P multiline containerd line that i',
        attributes: { 'log.file.path': podPath },
      },
      { body: '2023-06-22T10:27:25.813799277Z stdout F s super awesomne', attributes: { 'log.file.path': podPath } },
    ],
  );
  assert.equal(out.length, 1);
  assert.equal(out[0].body, 'multiline containerd line that is super awesomne');
  assert.equal(out[0].attributes.logtag, 'F');
});

test('router and recombine: routes by expression, joins lines until the next first entry', () => {
  const out = run(
    [
      {
        type: 'router',
        routes: [{ expr: 'body matches "^\\\\d{4}-"', output: 'dated', attributes: { kind: 'dated' } }],
        default: 'other',
      },
      { id: 'dated', type: 'noop', output: 'combine' },
      { id: 'other', type: 'add', field: 'attributes.kind', value: 'other' },
      {
        id: 'combine',
        type: 'recombine',
        combine_field: 'body',
        is_first_entry: 'body matches "^\\\\d{4}-|^Exception"',
      },
    ],
    [
      { body: '2024-01-01 start' },
      { body: 'Exception in main' },
      { body: '\tat x.y(Z.java:1)' },
      { body: '2024-01-02 next' },
    ],
    true,
  );
  assert.deepEqual(
    out.map((e) => [e.body, e.attributes.kind]),
    [
      ['2024-01-01 start', 'dated'],
      ['Exception in main\n\tat x.y(Z.java:1)', 'other'],
      ['2024-01-02 next', 'dated'],
    ],
  );
});

test('filter drops what its expression matches; key_value, csv, move, copy, remove, retain, flatten, unquote', () => {
  const out = run(
    [{ type: 'filter', expr: 'body contains "drop me"' }],
    [{ body: 'drop me please' }, { body: 'keep' }],
  );
  assert.deepEqual(
    out.map((e) => e.body),
    ['keep'],
  );
  const [kv] = run(
    [{ type: 'key_value_parser' }, { type: 'unquote', field: 'attributes.q' }],
    [{ body: 'user=alice q="a\\tb" n=1' }],
  );
  assert.deepEqual(kv.attributes, { user: 'alice', q: 'a\\tb', n: '1' }, 'values cleaned of their quotes, as contrib');
  const [csv] = run(
    [
      { type: 'csv_parser', header: 'a,b,c' },
      { type: 'move', from: 'attributes.a', to: 'resource["x.a"]' },
      { type: 'retain', fields: ['attributes.b'] },
    ],
    [{ body: '1,"two, with comma",3' }],
  );
  assert.deepEqual(csv.attributes, { b: 'two, with comma' });
  assert.deepEqual(csv.resource, { 'x.a': '1' });
  const [flat] = run(
    [
      { type: 'flatten', field: 'body.nested' },
      { type: 'unquote', field: 'body.q' },
    ],
    [{ body: { nested: { x: 'y', z: 1n }, q: '"a\\tb"' } }],
  );
  assert.deepEqual(flat.body, { x: 'y', z: 1n, q: 'a\tb' });
});

test('config: unknown and not-yet operators are refused by name; outputs must exist; expressions outside the subset are refused', () => {
  const msg = (ops: unknown[]) => {
    const r = operatorsSchema.safeParse(ops);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.doesNotMatch(msg([{ type: 'uri_parser' }]), /./);
  assert.doesNotMatch(msg([{ type: 'regex_replace', field: 'body', regex: 'a' }]), /./);
  assert.match(msg([{ type: 'nope' }]), /unsupported type 'nope'/);
  assert.match(msg([{ type: 'noop', output: 'missing' }]), /operator 'missing' does not exist/);
  assert.match(msg([{ type: 'filter', expr: 'body matches "(" ' }]), /error parsing regexp/);
  assert.match(msg([{ type: 'filter', expr: 'upper(body) == "A"' }]), /not in flowtel's expression subset/);
  assert.match(
    msg([
      { type: 'add', id: 'a', field: 'body', value: 1 },
      { type: 'noop', id: 'a' },
    ]),
    /duplicate operator id 'a'/,
  );
  // as stanza: several operators of one type without ids are numbered
  assert.deepEqual(
    operatorsSchema
      .parse([{ type: 'noop' }, { type: 'noop' }, { type: 'noop', id: 'noop2' }, { type: 'noop' }])
      .map((o) => o.id),
    ['noop', 'noop1', 'noop2', 'noop3'],
  );
  assert.match(msg([{ type: 'time_parser', layout: '%Y %Q' }]), /unsupported strptime directive %Q/);
  assert.match(msg([{ type: 'regex_parser', regex: '(?<=x)y' }]), /error parsing regexp/);
  assert.equal(msg([{ type: 'add', field: 'attributes.x', value: 'EXPR(body + "!")' }]), '');
});

test("the helm chart's 2023 operators (router, regex_parser, recombine, json_parser, moves) on CRI-O and containerd lines", async () => {
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('yaml');
  const chart = parse(
    readFileSync(
      new URL(
        '../../collector/testdata/configs/valid/helm-collector-daemonset-collector-logs-agent-2023-08.yaml',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as { receivers: { filelog: { operators: unknown[] } } };
  const attrs = { 'log.file.path': podPath };
  const out = run(chart.receivers.filelog.operators, [
    { body: '2023-06-22T10:27:25.813799277Z stdout P multiline containerd line that i', attributes: { ...attrs } },
    { body: '2023-06-22T10:27:25.813799277Z stdout F s super awesomne', attributes: { ...attrs } },
    { body: '2024-04-13T07:59:37.505201169-05:00 stderr F standalone crio line', attributes: { ...attrs } },
  ]);
  assert.deepEqual(
    out.map((e) => [e.body, e.attributes['log.iostream'], e.timestamp]),
    [
      // %L is Go's .999: every fractional digit given is read
      ['multiline containerd line that is super awesomne', 'stdout', 1687429645813799277n],
      ['standalone crio line', 'stderr', 1713013177505201169n],
    ],
  );
  for (const e of out) assert.deepEqual(e.resource, k8s);
});

test("regex_replace: contrib's cases (a regex with $ groups, ansi_control_sequences), a missing field left alone, a non-string refused", () => {
  const one = (op: Record<string, unknown>, partial: Partial<Entry>) =>
    run([{ type: 'regex_replace', on_error: 'send', ...op }], [partial])[0];
  assert.equal(one({ field: 'body', regex: '_+', replace_with: ',' }, { body: 'a__b__c' }).body, 'a,b,c');
  assert.equal(one({ field: 'body', regex: '{(.)}', replace_with: '${1}' }, { body: '{a}{b}{c}' }).body, 'abc');
  const ansi = { field: 'body', regex_name: 'ansi_control_sequences' };
  for (const [input, output] of [
    ['asdf', 'asdf'],
    ['\x1b[m', ''],
    ['\x1b[31m', ''],
    ['\x1b[31;1;4m', ''],
    ['\x1b[31mred\x1b[0m', 'red'],
    ['start \x1b[31mred\x1b[0m end', 'start red end'],
    ['\x1b[31M', ''],
  ])
    assert.equal(one(ansi, { body: input }).body, output, JSON.stringify(input));
  assert.deepEqual(
    one(
      { field: 'attributes.foo', regex_name: 'ansi_control_sequences' },
      { attributes: { foo: '\x1b[31mred\x1b[0m' } },
    ).attributes,
    { foo: 'red' },
  );
  assert.deepEqual(
    one({ field: 'attributes.bar', regex_name: 'ansi_control_sequences' }, { attributes: { foo: '\x1b[31m' } })
      .attributes,
    { foo: '\x1b[31m' },
  );
  // on_error: send passes the entry on unchanged
  assert.equal(one(ansi, { body: 123n }).body, 123n);
  const problem = (op: Record<string, unknown>) => {
    const r = operatorsSchema.safeParse([{ type: 'regex_replace', field: 'body', ...op }]);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  assert.match(problem({}), /either regex or regex_name must be set/);
  assert.match(problem({ regex: 'a', regex_name: 'ansi_control_sequences' }), /either regex or regex_name must be set/);
  assert.match(problem({ regex_name: 'emoji' }), /regex_name emoji is unknown/);
});

test("assign_keys: contrib's cases: a list in body, attributes or resource becomes a map; a missing field or a length mismatch is an error", () => {
  const one = (op: Record<string, unknown>, partial: Partial<Entry>) =>
    run([{ type: 'assign_keys', on_error: 'send', ...op }], [partial])[0];
  assert.deepEqual(one({ field: 'body', keys: ['foo', 'bar'] }, { body: ['a', 'b'] }).body, { foo: 'a', bar: 'b' });
  assert.deepEqual(one({ field: 'body.input', keys: ['foo', 'bar'] }, { body: { input: ['a', 'b'] } }).body, {
    input: { foo: 'a', bar: 'b' },
  });
  assert.deepEqual(
    one({ field: 'attributes.input', keys: ['foo', 'bar'] }, { attributes: { input: ['a', 'b'] } }).attributes,
    { input: { foo: 'a', bar: 'b' } },
  );
  assert.deepEqual(
    one({ field: 'resource.input', keys: ['foo', 'bar'] }, { resource: { input: ['a', 'b'] } }).resource,
    { input: { foo: 'a', bar: 'b' } },
  );
  // errors leave the entry as it was (on_error: send)
  assert.deepEqual(one({ field: 'body', keys: ['foo', 'bar', 'baz'] }, { body: ['a', 'b'] }).body, ['a', 'b']);
  assert.deepEqual(one({ field: 'body.missing', keys: ['foo'] }, { body: { x: 1n } }).body, { x: 1n });
  const r = operatorsSchema.safeParse([{ type: 'assign_keys', field: 'body', keys: [] }]);
  assert.ok(!r.success && /assign_keys missing required field keys/.test(r.error.issues[0].message));
});

test("uri_parser: contrib's TestParseURI cases (absolute URIs, paths, bare queries) and its errors", () => {
  const parse = (body: string) => run([{ type: 'uri_parser' }], [{ body }])[0];
  const cases: Array<[string, Record<string, unknown>]> = [
    ['http://', { scheme: 'http' }],
    ['http://myuser:mypass@', { scheme: 'http', user: 'myuser' }],
    ['http://golang.com', { scheme: 'http', host: 'golang.com' }],
    ['http://golang.com/', { scheme: 'http', host: 'golang.com', path: '/' }],
    ['http://golang', { scheme: 'http', host: 'golang' }],
    ['http://:8080', { scheme: 'http', port: '8080' }],
    ['/docs', { path: '/docs' }],
    ['/x/y%2Fz', { path: '/x/y%2Fz' }],
    ['/', { path: '/' }],
    ['/v1/app?user=golang', { path: '/v1/app', query: { user: ['golang'] } }],
    ['http:///v1/app', { scheme: 'http', path: '/v1/app' }],
    [
      'https://app.com?token=0000&env=prod&env=stage',
      { scheme: 'https', host: 'app.com', query: { token: ['0000'], env: ['prod', 'stage'] } },
    ],
    ['http://golang.org', { scheme: 'http', host: 'golang.org' }],
    [
      'https://go:password@golang.org:8443/v2/app?env=stage&token=456&index=105838&env=prod',
      {
        scheme: 'https',
        user: 'go',
        host: 'golang.org',
        port: '8443',
        path: '/v2/app',
        query: { token: ['456'], index: ['105838'], env: ['stage', 'prod'] },
      },
    ],
    [
      'magnet:?xt=urn:sha1:HNCKHTQCWBTRNJIV4WNAE52SJUQCZO6C',
      { scheme: 'magnet', query: { xt: ['urn:sha1:HNCKHTQCWBTRNJIV4WNAE52SJUQCZO6C'] } },
    ],
    ['sftp://ftp.com//home/name/employee.csv', { scheme: 'sftp', host: 'ftp.com', path: '//home/name/employee.csv' }],
    [
      '?token=0000&env=prod&env=stage&task=update&task=new&action=update',
      { query: { token: ['0000'], env: ['prod', 'stage'], task: ['update', 'new'], action: ['update'] } },
    ],
    ['?token=0000', { query: { token: ['0000'] } }],
    ['?', {}],
    ['?user=', { query: { user: [''] } }],
    // contrib's TestProcess default case, parsed into attributes
    [
      'https://google.com:443/path?user=dev',
      { scheme: 'https', host: 'google.com', port: '443', path: '/path', query: { user: ['dev'] } },
    ],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parse(input).attributes, expected, input);
  // errors: the entry goes on unparsed (on_error: send, the default) and the error is logged
  for (const bad of ['golang.org', ':8080', '?q;go', 'golang.org/app', 'user=dev', 'invalid'])
    assert.deepEqual(parse(bad).attributes, {}, bad);
  // parse_from/parse_to as contrib's parse-to case
  const [e] = run(
    [{ type: 'uri_parser', parse_from: 'body.url', parse_to: 'body.url2' }],
    [{ body: { url: 'https://google.com:443/path?user=dev' } }],
  );
  assert.deepEqual(e.body, {
    url: 'https://google.com:443/path?user=dev',
    url2: { host: 'google.com', port: '443', path: '/path', query: { user: ['dev'] }, scheme: 'https' },
  });
});

test('uri_parser\'s errors are Go\'s: parse "invalid": invalid URI for request', async () => {
  const { parseUri } = await import('../src/uri.ts');
  assert.throws(() => parseUri('invalid'), { message: 'parse "invalid": invalid URI for request' });
  assert.throws(() => parseUri(':8080'), { message: 'parse ":8080": missing protocol scheme' });
  assert.throws(() => parseUri('?q;go'), { message: 'invalid semicolon separator in query' });
  assert.throws(() => parseUri('http://host:port/'), {
    message: 'parse "http://host:port/": invalid port ":port" after host',
  });
  assert.throws(() => parseUri('/a%zzb'), { message: 'parse "/a%zzb": invalid URL escape "%zz"' });
});
