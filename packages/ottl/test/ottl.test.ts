// Expected values come from otelcol-contrib's pkg/ottl docs (LANGUAGE.md, ottlfuncs' README
// and the contexts' READMEs): each case names the example it checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type KeyValue,
  type Span,
  type Traces,
  attr,
  fromAnyValue,
  newResource,
  newScope,
  newSpan,
  newLogRecord,
  type Logs,
} from '@flowtel/pdata';
import { OttlError, compileConditions, compileStatements, inferContext, walkLogs, walkTraces } from '../src/index.ts';

const plain = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, fromAnyValue(kv.value)]));

function traces(...spans: Span[]): Traces {
  return {
    resourceSpans: [
      {
        resource: newResource([attr('service.name', 'checkout'), attr('host.name', 'h1')]),
        schemaUrl: '',
        scopeSpans: [{ scope: newScope('lib', '1.0'), schemaUrl: '', spans }],
      },
    ],
  };
}

function runSpans(statements: string[], ...spans: Span[]): Traces {
  const data = traces(...spans);
  const runs = compileStatements('span', statements);
  walkTraces(data, 'span', (tc) => {
    for (const r of runs) r(tc);
    return false;
  });
  return data;
}

const spanAttrs = (data: Traces, i = 0) => plain(data.resourceSpans[0].scopeSpans[0].spans[i].attributes);

test('set: a path, a converter, nested keys; a nil value changes nothing', () => {
  const d = runSpans(
    [
      'set(span.attributes["svc"], Concat([resource.attributes["service.name"], span.name], "/"))',
      'set(span.attributes["m"], {"a": {"b": 1}})',
      'set(span.attributes["m"]["a"]["c"], "x")',
      'set(span.attributes["gone"], span.attributes["missing"])',
      'set(span.name, "renamed")',
    ],
    newSpan({ name: 'GET /users' }),
  );
  assert.deepEqual(spanAttrs(d), { svc: 'checkout/GET /users', m: { a: { b: 1n, c: 'x' } } });
  assert.equal(d.resourceSpans[0].scopeSpans[0].spans[0].name, 'renamed');
});

test('where: enums, and/or/not, parentheses, comparisons across int and float', () => {
  const d = runSpans(
    [
      'set(span.attributes["error"], true) where span.status.code == STATUS_CODE_ERROR',
      'set(span.attributes["client"], true) where span.kind == SPAN_KIND_CLIENT and not (span.name == "x" or span.name == "y")',
      'set(span.attributes["num"], true) where 1 == 1.0 and 2 > 1.5 and "a" < "b"',
      'set(span.attributes["nil"], true) where span.attributes["none"] == nil',
      'set(span.attributes["mixed"], true) where span.name == 1',
    ],
    newSpan({ name: 'a', kind: 3, status: { code: 2, message: '' } }),
    newSpan({ name: 'x', kind: 3 }),
  );
  assert.deepEqual(spanAttrs(d, 0), { error: true, client: true, num: true, nil: true });
  assert.deepEqual(spanAttrs(d, 1), { num: true, nil: true });
});

test('math: ints, floats, time minus time is a duration', () => {
  const d = runSpans(
    [
      'set(span.attributes["i"], 7 / 2 + 1 * 3 - -1)',
      'set(span.attributes["f"], 1.5 * 2.0)',
      'set(span.attributes["ms"], Milliseconds(span.end_time - span.start_time))',
    ],
    newSpan({ startTimeUnixNano: 1_000_000_000n, endTimeUnixNano: 1_250_000_000n }),
  );
  assert.deepEqual(spanAttrs(d), { i: 7n, f: 3, ms: 250n });
});

test('ids: trace_id.string and span_id.string', () => {
  const traceId = Uint8Array.from(Buffer.from('5b8efff798038103d269b633813fc60c', 'hex'));
  const d = runSpans(
    ['set(span.attributes["t"], span.trace_id.string)', 'set(span.span_id.string, "eee19b7ec3c1b174")'],
    newSpan({ traceId }),
  );
  assert.deepEqual(spanAttrs(d), { t: '5b8efff798038103d269b633813fc60c' });
  assert.equal(Buffer.from(d.resourceSpans[0].scopeSpans[0].spans[0].spanId).toString('hex'), 'eee19b7ec3c1b174');
});

test('delete_key, delete_matching_keys (RE2 flags), keep_keys, keep_matching_keys', () => {
  const attrs = [
    attr('http.method', 'GET'),
    attr('http.route', '/x'),
    attr('db.password', 's'),
    attr('PassWord2', 's'),
    attr('other', 1),
  ];
  assert.deepEqual(
    spanAttrs(runSpans(['delete_key(span.attributes, "http.method")'], newSpan({ attributes: attrs }))),
    {
      'http.route': '/x',
      'db.password': 's',
      PassWord2: 's',
      other: 1n,
    },
  );
  // ottlfuncs README: delete_matching_keys(attributes, "(?i).*password.*")
  assert.deepEqual(
    spanAttrs(runSpans(['delete_matching_keys(span.attributes, "(?i).*password.*")'], newSpan({ attributes: attrs }))),
    {
      'http.method': 'GET',
      'http.route': '/x',
      other: 1n,
    },
  );
  assert.deepEqual(
    spanAttrs(
      runSpans(
        ['keep_keys(span.attributes, ["http.method", "http.route", "http.url"])'],
        newSpan({ attributes: attrs }),
      ),
    ),
    {
      'http.method': 'GET',
      'http.route': '/x',
    },
  );
  assert.deepEqual(
    spanAttrs(runSpans(['keep_matching_keys(span.attributes, "^http")'], newSpan({ attributes: attrs }))),
    {
      'http.method': 'GET',
      'http.route': '/x',
    },
  );
});

test('replace_pattern, replace_all_patterns (value and key mode), with $ groups and a hash function', () => {
  const attrs = [attr('path', '/account/1234/x'), attr('kube_pod_name', 'p'), attr('cmd', 'run password=abc --v')];
  const d = runSpans(
    [
      'replace_pattern(span.attributes["cmd"], "password\\\\=[^\\\\s]*(\\\\s?)", "password=***")',
      'replace_all_patterns(span.attributes, "value", "/account/\\\\d{4}", "/account/{accountId}")',
      'replace_all_patterns(span.attributes, "key", "^kube_([0-9A-Za-z]+_)", "k8s.$1.")',
      'replace_pattern(span.name, "^(\\\\w+) (.*)$", "$1", SHA256, "h:%s")',
    ],
    newSpan({ name: 'GET /x', attributes: attrs }),
  );
  assert.deepEqual(spanAttrs(d), { path: '/account/{accountId}/x', 'k8s.pod_.name': 'p', cmd: 'run password=***--v' });
  // sha256sum of "GET", the first group, formatted by replacementFormat
  assert.equal(
    d.resourceSpans[0].scopeSpans[0].spans[0].name,
    'h:14e30cd163c732912e048c4c837e15c4e90c062ebb795ab947d57706e2d10dd8',
  );
});

test('replace_pattern replaces as Go: an empty match right after a match is left alone (".*" on "abc" is one X)', () => {
  const d = runSpans(
    ['replace_pattern(span.attributes["a"], ".*", "X")', 'replace_pattern(span.attributes["b"], "z*", "-")'],
    newSpan({ attributes: [attr('a', 'abc'), attr('b', 'azzb')] }),
  );
  // Go's ReplaceAllString: ".*" on "abc" gives "X"; "z*" on "azzb" gives "-a-b-"
  assert.deepEqual(spanAttrs(d), { a: 'X', b: '-a-b-' });
});

test('replace_match and replace_all_matches take globs', () => {
  const d = runSpans(
    [
      'replace_match(span.attributes["http.target"], "/user/*/list/*", "/user/{userId}/list/{listId}")',
      'replace_all_matches(span.attributes, "/order/*", "/order/{id}")',
    ],
    newSpan({ attributes: [attr('http.target', '/user/1/list/2'), attr('a', '/order/9'), attr('b', '/other')] }),
  );
  assert.deepEqual(spanAttrs(d), { 'http.target': '/user/{userId}/list/{listId}', a: '/order/{id}', b: '/other' });
});

test('truncate_all, limit with priority keys, merge_maps, flatten, append', () => {
  const d = runSpans(
    ['truncate_all(span.attributes, 3)', 'limit(span.attributes, 2, ["c"])'],
    newSpan({ attributes: [attr('a', 'abcdef'), attr('b', 1), attr('c', 'xy')] }),
  );
  assert.deepEqual(spanAttrs(d), { a: 'abc', c: 'xy' });
  const m = runSpans(
    ['merge_maps(span.attributes, ParseJSON("{\\"a\\": 2, \\"n\\": \\"new\\"}"), "insert")'],
    newSpan({ attributes: [attr('a', 1)] }),
  );
  assert.deepEqual(spanAttrs(m), { a: 1n, n: 'new' });
  // ottlfuncs README, flatten: nested maps and slices become dotted keys
  const f = runSpans(
    [
      'set(span.attributes["address"], {"street": "first", "house": 1234})',
      'set(span.attributes["occupants"], ["user 1", "user 2"])',
      'flatten(span.attributes)',
    ],
    newSpan({ attributes: [attr('name', 'test')] }),
  );
  assert.deepEqual(spanAttrs(f), {
    name: 'test',
    'address.street': 'first',
    'address.house': 1234n,
    'occupants.0': 'user 1',
    'occupants.1': 'user 2',
  });
  const deep = runSpans(
    ['set(span.attributes["0"], {"1": {"2": {"3": {"4": "value"}}}})', 'flatten(span.attributes, depth=2)'],
    newSpan(),
  );
  assert.deepEqual(spanAttrs(deep), { '0.1.2': { '3': { '4': 'value' } } });
  const a = runSpans(
    ['append(span.attributes["l"], "b")', 'append(span.attributes["l"], values=["c", "d"])'],
    newSpan({ attributes: [attr('l', 'a')] }),
  );
  assert.deepEqual(spanAttrs(a), { l: ['a', 'b', 'c', 'd'] });
});

test('converters: README examples', () => {
  const d = runSpans(
    [
      'set(span.attributes["split"], Split("A|B|C", "|"))',
      'set(span.attributes["sub"], Substring("123456789", 0, 3))',
      'set(span.attributes["int"], Int("1234"))',
      'set(span.attributes["intf"], Int(1.9))',
      'set(span.attributes["bad"], Int("abc"))',
      'set(span.attributes["dbl"], Double("1.5"))',
      'set(span.attributes["str"], String(1.5))',
      'set(span.attributes["lower"], ToLowerCase("AbC"))',
      'set(span.attributes["upper"], ToUpperCase("AbC"))',
      'set(span.attributes["snake"], ConvertCase("MetricName", "snake"))',
      'set(span.attributes["sha"], SHA256("name"))',
      'set(span.attributes["md5"], MD5("name"))',
      'set(span.attributes["len"], Len(["a", "b"]))',
      'set(span.attributes["match"], IsMatch("string", ".*ring"))',
      'set(span.attributes["fmt"], Format("%s-%d", ["a", 2]))',
      'set(span.attributes["ext"], ExtractPatterns("GIT_SHA=abc12", "GIT_SHA=(?P<sha>\\\\w+)"))',
      'set(span.attributes["kv"], ParseKeyValue("a=1 b=\\"x y\\""))',
      'set(span.attributes["nano"], UnixNano(Time("2023-05-26 12:34:56", "%Y-%m-%d %H:%M:%S")))',
      'set(span.attributes["dur"], Nanoseconds(Duration("1h2m3.5s")))',
      'set(span.attributes["hex"], Hex(1))',
      'set(span.attributes["url"], URL("https://user:pw@example.com:8080/a/b.html?q=1#f"))',
    ],
    newSpan(),
  );
  const a = spanAttrs(d);
  assert.deepEqual(a.split, ['A', 'B', 'C']);
  assert.equal(a.sub, '123');
  assert.equal(a.int, 1234n);
  assert.equal(a.intf, 1n);
  assert.equal('bad' in a, false);
  assert.equal(a.dbl, 1.5);
  assert.equal(a.str, '1.5');
  assert.equal(a.lower, 'abc');
  assert.equal(a.upper, 'ABC');
  assert.equal(a.snake, 'metric_name');
  assert.equal(a.sha, '82a3537ff0dbce7eec35d69edc3a189ee6f17d82f353a553f9aa96cb0be3ce89');
  assert.equal(a.md5, 'b068931cc450442b63f5b3d276ea4297');
  assert.equal(a.len, 2n);
  assert.equal(a.match, true);
  assert.equal(a.fmt, 'a-2');
  assert.deepEqual(a.ext, { sha: 'abc12' });
  assert.deepEqual(a.kv, { a: '1', b: 'x y' });
  assert.equal(a.nano, BigInt(Date.UTC(2023, 4, 26, 12, 34, 56)) * 1_000_000n);
  assert.equal(a.dur, 3_723_500_000_000n);
  assert.equal(a.hex, '0000000000000001');
  assert.deepEqual(a.url, {
    'url.original': 'https://user:pw@example.com:8080/a/b.html?q=1#f',
    'url.scheme': 'https',
    'url.domain': 'example.com',
    'url.path': '/a/b.html',
    'url.query': 'q=1',
    'url.fragment': 'f',
    'url.username': 'user',
    'url.password': 'pw',
    'url.port': 8080n,
    'url.extension': 'html',
  });
});

test('log context: body, body.string, severity enums, keys into a map body', () => {
  const logs: Logs = {
    resourceLogs: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeLogs: [
          {
            scope: newScope(),
            schemaUrl: '',
            logRecords: [newLogRecord({ body: { stringValue: 'request failed' }, severityNumber: 17 })],
          },
        ],
      },
    ],
  };
  const runs = compileStatements('log', [
    // transform README: set(log.severity_text, "FAIL") where log.body == "request failed"
    'set(log.severity_text, "FAIL") where log.body == "request failed"',
    'set(log.attributes["err"], true) where log.severity_number >= SEVERITY_NUMBER_ERROR',
    'set(log.body, ParseJSON("{\\"a\\": {\\"b\\": \\"c\\"}}"))',
    'set(log.attributes["b"], log.body["a"]["b"])',
    'set(log.attributes["s"], log.body.string)',
  ]);
  walkLogs(logs, 'log', (tc) => {
    for (const r of runs) r(tc);
    return false;
  });
  const rec = logs.resourceLogs[0].scopeLogs[0].logRecords[0];
  assert.equal(rec.severityText, 'FAIL');
  assert.deepEqual(plain(rec.attributes), { err: true, b: 'c', s: '{"a":{"b":"c"}}' });
});

test('conditions compile to predicates', () => {
  const [client, get] = compileConditions('span', ['span.kind == SPAN_KIND_CLIENT', 'IsMatch(span.name, "^GET ")']);
  const d = traces(newSpan({ name: 'GET /', kind: 3 }), newSpan({ name: 'POST /', kind: 2 }));
  const seen: boolean[][] = [];
  walkTraces(d, 'span', (tc) => (seen.push([client(tc), get(tc)]), false));
  assert.deepEqual(seen, [
    [true, true],
    [false, false],
  ]);
});

test('context inference, as the transform README describes it', () => {
  const metricCtx = ['resource', 'scope', 'metric', 'datapoint'] as const;
  assert.equal(
    inferContext(
      ['set(metric.description, "test passed") where datapoint.attributes["test"] == "pass"'],
      [],
      [...metricCtx],
    ),
    'datapoint',
  );
  assert.equal(
    inferContext(
      ['set(resource.attributes["test"], "passed")', 'set(metric.description, "test passed")'],
      [],
      [...metricCtx],
    ),
    'metric',
  );
  assert.throws(
    () => inferContext(['set(span.name, "x")'], [], ['resource', 'scope', 'log']),
    /span paths are not allowed/,
  );
  assert.throws(
    () => inferContext(['set(attributes["x"], "y")'], [], ['resource', 'scope', 'log']),
    /does not start with a context name/,
  );
});

test('config errors: unknown path, function, enum; wrong argument types; bad regex; not yet implemented', () => {
  const cases: [string, RegExp][] = [
    ['set(span.nam, "x")', /segment "nam" from path "span.nam" is not a valid path/],
    ['set(span.name, Foo(1))', /undefined function "Foo"/],
    ['set(span.name, UserAgent("x"))', /UserAgent is not yet implemented in flowtel/],
    ['set(span.attributes["x"], Substring(span.name, "a", 2))', /Substring's start must be int64, got string/],
    ['replace_pattern(span.name, "(", "x")', /replace_pattern: error parsing regexp: missing closing \)/],
    ['keep_keys(span.name, ["a"])', /must be a map/],
    ['set(span.name, "x") where metric.name == "x"', /cannot read metric paths/],
    ['set(span.name, "x") where span.kind == SPAN_KIND_NOPE', /enum "SPAN_KIND_NOPE" is not defined/],
    ['set(span.name, "x"', /expected "\)"/],
    ['delete_key(span.attributes, span.name)', /must be a string literal/],
    ['convert_sum_to_gauge()', /undefined function/],
    // a name every JS object has is not a case
    ['set(span.name, ConvertCase(span.name, "toString"))', /invalid case: toString, allowed cases are/],
  ];
  for (const [text, want] of cases) {
    assert.throws(
      () => compileStatements('span', [text]),
      (err: unknown) => err instanceof OttlError && want.test(err.message) && err.column > 0,
      text,
    );
  }
});

test('runtime errors are thrown for the processor to handle', () => {
  const [run] = compileStatements('span', ['set(span.attributes["x"], Substring(span.attributes["n"], 0, 1))']);
  const d = traces(newSpan({ attributes: [attr('n', 5)] }));
  assert.throws(() => walkTraces(d, 'span', (tc) => (run(tc), false)), /expected string but got int64/);
});

test('more converters: README examples of TrimPrefix, Keys, Index, ParseInt, time parts, IsRootSpan; delete_index', () => {
  const d = runSpans(
    [
      'set(span.attributes["trim"], TrimPrefix("prefix_value", "prefix_"))',
      'set(span.attributes["trims"], TrimSuffix("value_suffix", "_suffix"))',
      'set(span.attributes["keys"], Keys({"a": 1, "b": 2}))',
      'set(span.attributes["values"], Values({"a": 1, "b": "x"}))',
      'set(span.attributes["idx"], Index("hello world", "world"))',
      'set(span.attributes["missing"], Index(["a", "b"], "c"))',
      'set(span.attributes["has"], ContainsValue(["a", "b"], "b"))',
      'set(span.attributes["hex"], ParseInt("ff", 16))',
      'set(span.attributes["year"], Year(Time("2023-05-26 12:34:56", "%Y-%m-%d %H:%M:%S")))',
      'set(span.attributes["weekday"], Weekday(Time("2023-05-26 12:34:56", "%Y-%m-%d %H:%M:%S")))',
      'set(span.attributes["camel"], ToCamelCase("my_metric_name"))',
      'set(span.attributes["root"], IsRootSpan())',
      'set(span.attributes["list"], ["a", "b", "c", "d"])',
      'delete_index(span.attributes["list"], 1, 3)',
    ],
    newSpan(),
  );
  assert.deepEqual(spanAttrs(d), {
    trim: 'value',
    trims: 'value',
    keys: ['a', 'b'],
    values: [1n, 'x'],
    idx: 6n,
    missing: -1n,
    has: true,
    hex: 255n,
    year: 2023n,
    // 2023-05-26 was a Friday (Go's time.Friday is 5)
    weekday: 5n,
    camel: 'MyMetricName',
    root: true,
    list: ['a', 'd'],
  });
});

test('ParseCSV: strict quotes, a header delimiter, lazyQuotes, ignoreQuotes, a field count error', () => {
  const d = runSpans(
    [
      'set(span.attributes["a"], ParseCSV("999-999-9999,\\"Joe Smith\\",joe.smith@example.com", "phone,name,email"))',
      'set(span.attributes["b"], ParseCSV("x|y", "k1,k2", "|", ","))',
      'set(span.attributes["c"], ParseCSV("a\\"b,c", "k1,k2", mode="lazyQuotes"))',
      'set(span.attributes["d"], ParseCSV("\\"a,b", "k1,k2", mode="ignoreQuotes"))',
    ],
    newSpan(),
  );
  assert.deepEqual(spanAttrs(d), {
    a: { phone: '999-999-9999', name: 'Joe Smith', email: 'joe.smith@example.com' },
    b: { k1: 'x', k2: 'y' },
    c: { k1: 'a"b', k2: 'c' },
    d: { k1: '"a', k2: 'b' },
  });
  const [run] = compileStatements('span', ['set(span.attributes["x"], ParseCSV("a,b,c", "k1,k2"))']);
  assert.throws(
    () => walkTraces(traces(newSpan()), 'span', (tc) => (run(tc), false)),
    /wrong number of fields: expected 2, found 3/,
  );
});
