// Pages from the format documents themselves: the text format example of Prometheus's
// "Exposition formats" page and the examples of the OpenMetrics 1.0 specification.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpositionParseError, formatOf, parseExposition, parseSeries } from '../src/index.ts';

const TEXT_EXAMPLE = String.raw`# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="0.1"} 33444
http_request_duration_seconds_bucket{le="0.2"} 100392
http_request_duration_seconds_bucket{le="0.5"} 129389
http_request_duration_seconds_bucket{le="1"} 133988
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds{quantile="0.05"} 3272
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds{quantile="0.9"} 9001
rpc_duration_seconds{quantile="0.99"} 76656
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
`;

test('the text format example of the Prometheus docs', () => {
  const page = parseExposition(TEXT_EXAMPLE, 'text');
  assert.equal(page.series.length, 2 + 1 + 1 + 1 + 8 + 7);
  assert.deepEqual(page.metadata.get('http_requests_total'), {
    type: 'counter',
    help: 'The total number of HTTP requests.',
  });
  assert.equal(page.metadata.get('http_request_duration_seconds')!.type, 'histogram');
  assert.equal(page.metadata.get('rpc_duration_seconds')!.type, 'summary');
  assert.deepEqual(parseSeries(page.series[0]), {
    name: 'http_requests_total',
    labels: ['method', 'post', 'code', '200'],
  });
  assert.equal(page.values[0], 1027);
  assert.equal(page.timestamps[0], 1395066363000);
  assert.equal(page.values[1], 3);
  assert.deepEqual(parseSeries(page.series[2]).labels, [
    'path',
    'C:\\DIR\\FILE.TXT',
    'error',
    'Cannot find file:\n"FILE.TXT"',
  ]);
  assert.equal(page.values[2], 1.458255915e9);
  assert.ok(Number.isNaN(page.timestamps[2]));
  assert.equal(page.series[3], 'metric_without_timestamp_and_labels');
  assert.equal(page.values[3], 12.47);
  assert.equal(page.values[4], Infinity);
  assert.equal(page.timestamps[4], -3982045);
  assert.equal(page.values[10], 144320);
  assert.deepEqual(parseSeries(page.series[10]).labels, ['le', '+Inf']);
  assert.equal(page.values[18], 1.7560473e7);
});

test('OpenMetrics: exemplars, _created, UNIT, timestamps in seconds, # EOF', () => {
  const page = parseExposition(
    `# TYPE foo histogram
# UNIT foo seconds
# HELP foo A \\"quoted\\" help
foo_bucket{le="0.01"} 0
foo_bucket{le="0.1"} 8 # {} 0.054
foo_bucket{le="1"} 11 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="10"} 17 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
foo_created 1520430000.123
# TYPE acme_http_router_request_seconds summary
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32 1520879607.789
# EOF
`,
    'openmetrics',
  );
  assert.deepEqual(page.metadata.get('foo'), { type: 'histogram', unit: 'seconds', help: 'A "quoted" help' });
  assert.equal(page.series.length, 9);
  assert.deepEqual(page.exemplars.get(1), { labels: [], value: 0.054, timestampMs: NaN });
  assert.deepEqual(page.exemplars.get(2), { labels: ['trace_id', 'KOO5S4vxi0o'], value: 0.67, timestampMs: NaN });
  assert.deepEqual(page.exemplars.get(3), {
    labels: ['trace_id', 'oHg5SJYRHA0'],
    value: 9.8,
    timestampMs: 1520879607789,
  });
  assert.equal(page.exemplars.size, 3);
  assert.equal(page.series[7], 'foo_created');
  assert.equal(page.values[7], 1520430000.123);
  assert.equal(page.timestamps[8], 1520879607789);
  assert.deepEqual(parseSeries(page.series[8]).labels, ['path', '/api/v1', 'method', 'GET']);
});

test('values as Go ParseFloat reads them', () => {
  const page = parseExposition('a NaN\nb -Inf\nc +inf\nd 1e-3\ne -0\nf Infinity\n', 'text');
  assert.ok(Number.isNaN(page.values[0]));
  assert.deepEqual(page.values.slice(1), [-Infinity, Infinity, 0.001, -0, Infinity]);
});

// label syntax is checked when a series is first parsed (a scraper does it once per series)
const parseAll = (page: string, format: 'text' | 'openmetrics') => {
  const parsed = parseExposition(page, format);
  parsed.series.forEach((s) => parseSeries(s));
};

test('malformed pages fail with the line', () => {
  const bad: Array<[string, 'text' | 'openmetrics', RegExp]> = [
    ['ok 1\nbad{a="1" 2\n', 'text', /line 2: label set without a closing/],
    ['x{a="1} 2\n', 'text', /unterminated label value/],
    ['x{a=1} 2\n', 'text', /expected a quoted value for label a/],
    ['x{1a="1"} 2\n', 'text', /invalid label name/],
    ['x{a="1",a="2"} 2\n', 'text', /label a appears twice/],
    ['x abc\n', 'text', /invalid value "abc"/],
    ['x 1 1.5\n', 'text', /invalid timestamp "1.5"/],
    ['x\n', 'text', /expected a value/],
    ['<html>\n', 'text', /invalid line/],
    ['# TYPE x rainbow\n', 'text', /invalid metric type "rainbow"/],
    ['# TYPE x info\n', 'text', /invalid metric type "info"/],
    ['x 1\n', 'openmetrics', /must end with "# EOF"/],
    ['x 1\n# EOF\ny 2\n', 'openmetrics', /content after "# EOF"/],
    ['x 1\n\n# EOF\n', 'openmetrics', /empty line/],
    ['# TYPE x untyped\n# EOF\n', 'openmetrics', /invalid metric type "untyped"/],
    ['x 1 # {a="b"}\n# EOF\n', 'openmetrics', /invalid exemplar value/],
    ['x 1 # oops\n# EOF\n', 'openmetrics', /invalid exemplar/],
    ['x 1 # {a="b"} 1\n', 'text', /unexpected "# {a="b"} 1"/],
  ];
  for (const [page, format, message] of bad) {
    assert.throws(
      () => parseAll(page, format),
      (err: Error) => {
        assert.ok(err instanceof ExpositionParseError, `${JSON.stringify(page)}: ${err}`);
        assert.match(err.message, message, JSON.stringify(page));
        return true;
      },
    );
  }
});

test('text format leniency Prometheus has: blanks, comments, CRLF, a trailing comma', () => {
  const page = parseExposition('  # a comment\r\n\tx { a = "1" , } 2 \r\ny 3', 'text');
  assert.deepEqual(page.series, ['x { a = "1" , }', 'y']);
  assert.deepEqual(parseSeries(page.series[0]), { name: 'x', labels: ['a', '1'] });
  assert.deepEqual(page.values, [2, 3]);
});

test('the Content-Type decides the parser', () => {
  assert.equal(formatOf('application/openmetrics-text; version=1.0.0; charset=utf-8'), 'openmetrics');
  assert.equal(formatOf('text/plain; version=0.0.4; charset=utf-8'), 'text');
  assert.equal(formatOf(undefined), 'text');
});
