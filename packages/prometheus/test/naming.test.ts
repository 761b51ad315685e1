// Metric and label names under each translation strategy.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatFloat } from '../src/format.ts';
import type { NamedKind, TranslationStrategy } from '../src/naming.ts';
import { LabelNamer, MetricNamer } from '../src/naming.ts';

const name = (strategy: TranslationStrategy, metric: string, unit: string, kind: NamedKind, namespace = '') => {
  const out = new MetricNamer(strategy, namespace).build(metric, unit, kind);
  return out instanceof Error ? out.message : out;
};

describe('metric names', () => {
  test('UnderscoreEscapingWithSuffixes (the default): units, _total, _ratio, escaping', () => {
    const s = 'UnderscoreEscapingWithSuffixes';
    const cases: Array<[string, string, NamedKind, string]> = [
      ['http.server.request.duration', 's', 'other', 'http_server_request_duration_seconds'],
      ['system.network.io', 'By', 'counter', 'system_network_io_bytes_total'],
      ['requests', '{request}', 'counter', 'requests_total'],
      ['requests_total', '1', 'counter', 'requests_total'],
      ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
      ['throughput', 'By/s', 'gauge', 'throughput_bytes_per_second'],
      ['rate', '{packets}/s', 'gauge', 'rate_per_second'],
      ['speed', 'm/h', 'gauge', 'speed_meters_per_hour'],
      ['latency_seconds', 's', 'other', 'latency_seconds'],
      ['temp', 'Cel', 'gauge', 'temp_celsius'],
      ['disk', 'GiBy', 'gauge', 'disk_gibibytes'],
      ['odd unit', 'furlongs', 'gauge', 'odd_unit_furlongs'],
      ['a..b__c', '', 'gauge', 'a_b_c'],
      ['2xx.responses', '', 'counter', '_2xx_responses_total'],
      ['foo:bar', '', 'gauge', 'foo:bar'],
    ];
    for (const [metric, unit, kind, expected] of cases)
      assert.equal(name(s, metric, unit, kind), expected, `${metric} [${unit}]`);
    assert.equal(name(s, 'requests', '', 'counter', 'app'), 'app_requests_total');
    assert.match(name(s, '...', '', 'gauge'), /resulted in empty name/);
  });

  test('UnderscoreEscapingWithoutSuffixes: escaped, no units or _total; multiple underscores kept', () => {
    const s = 'UnderscoreEscapingWithoutSuffixes';
    assert.equal(name(s, 'http.server.request.duration', 's', 'other'), 'http_server_request_duration');
    assert.equal(name(s, 'requests', '1', 'counter'), 'requests');
    assert.equal(name(s, 'a__b.c', '', 'gauge'), 'a__b_c');
    assert.equal(name(s, '2xx', '', 'gauge'), '_2xx');
    assert.equal(name(s, 'x.y', '', 'gauge', 'my-ns'), 'my_ns_x_y');
  });

  test('NoUTF8EscapingWithSuffixes: names kept as they are, suffixes added once', () => {
    const s = 'NoUTF8EscapingWithSuffixes';
    assert.equal(name(s, 'http.server.request.duration', 's', 'other'), 'http.server.request.duration_seconds');
    assert.equal(name(s, 'bytes.sent', 'By', 'counter'), 'bytes.sent_bytes_total');
    assert.equal(name(s, 'io_bytes_total', 'By', 'counter'), 'io_bytes_total');
    assert.equal(name(s, 'load', '1', 'gauge'), 'load_ratio');
    assert.equal(name(s, 'rate', 'By/s', 'gauge'), 'rate_bytes_per_second');
  });

  test('NoTranslation: untouched but for the namespace', () => {
    assert.equal(name('NoTranslation', 'http.server.request.duration', 's', 'counter'), 'http.server.request.duration');
    assert.equal(name('NoTranslation', 'x', 's', 'counter', 'ns'), 'ns_x');
  });
});

describe('label names', () => {
  test('escaped: invalid characters to _, digits and single underscores get a key prefix, reserved __x kept', () => {
    const n = new LabelNamer('UnderscoreEscapingWithSuffixes');
    assert.equal(n.build('http.request.method'), 'http_request_method');
    assert.equal(n.build('1st'), 'key_1st');
    assert.equal(n.build('_private'), 'key_private');
    assert.equal(n.build('__reserved__'), '__reserved__');
    assert.equal(n.build('ünïcode'), 'key_n_code');
    assert.equal(n.build('...'), '', 'nothing usable is left');
  });

  test('NoUTF8Escaping and NoTranslation keep label names as they are', () => {
    assert.equal(new LabelNamer('NoUTF8EscapingWithSuffixes').build('http.request.method'), 'http.request.method');
    assert.equal(new LabelNamer('NoTranslation').build('1st'), '1st');
  });
});

test('le and quantile values are written as Go writes them', () => {
  assert.deepEqual([0.5, 1, 1e21, 1e-7, 2.5e-10, -3, Infinity, 100].map(formatFloat), [
    '0.5',
    '1',
    '1000000000000000000000',
    '0.0000001',
    '0.00000000025',
    '-3',
    '+Inf',
    '100',
  ]);
});
