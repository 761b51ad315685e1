// The query side without an engine: picking the exporter out of a collector config, the three
// output formats, and the trace view's tree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCsv, formatJson, formatTable, type ResultSet } from '../src/format.ts';
import { findClickHouseExporter } from '../src/query.ts';
import { traceSql, traceTree } from '../src/views.ts';
import { storeConfigSchema as configSchema } from '../src/config.ts';

test('the clickhouse exporter is found in a collector config, by id when there are several', () => {
  const one = { exporters: { debug: {}, clickhouse: { endpoint: 'chdb://./x' } } };
  assert.deepEqual(findClickHouseExporter(one), { endpoint: 'chdb://./x' });
  const two = { exporters: { clickhouse: null, 'clickhouse/remote': { endpoint: 'http://h:8123' } } };
  assert.throws(() => findClickHouseExporter(two), /several clickhouse exporters \(clickhouse, clickhouse\/remote\)/);
  assert.deepEqual(findClickHouseExporter(two, 'clickhouse/remote'), { endpoint: 'http://h:8123' });
  assert.deepEqual(findClickHouseExporter(two, 'clickhouse'), {}, 'an exporter without keys takes the defaults');
  assert.throws(() => findClickHouseExporter({ exporters: { debug: {} } }), /no clickhouse exporter/);
  assert.throws(() => findClickHouseExporter(two, 'clickhouse/nope'), /no exporter "clickhouse\/nope"/);
});

const rs: ResultSet = {
  columns: [
    { name: 'service', type: 'LowCardinality(String)' },
    { name: 'requests', type: 'UInt64' },
    { name: 'note', type: 'String' },
  ],
  rows: [
    ['checkout', '12', 'a, "quoted"\nline'],
    ['db', '3', ''],
  ],
};

test('table aligns columns, numbers to the right, and counts rows', () => {
  const lines = formatTable(rs).split('\n');
  assert.equal(lines[0], 'service   requests  note');
  assert.equal(lines[2], 'checkout        12  a, "quoted"\\nline');
  assert.equal(lines[3], 'db               3');
  assert.equal(lines[4], '(2 rows)');
});

test('csv quotes what needs quoting; json keys rows by column', () => {
  assert.equal(formatCsv(rs), 'service,requests,note\ncheckout,12,"a, ""quoted""\nline"\ndb,3,\n');
  assert.deepEqual(JSON.parse(formatJson(rs)), [
    { service: 'checkout', requests: '12', note: 'a, "quoted"\nline' },
    { service: 'db', requests: '3', note: '' },
  ]);
});

test('a trace is ordered parent first, orphans start their own tree', () => {
  const spans: ResultSet = {
    columns: [
      'SpanId',
      'ParentSpanId',
      'SpanName',
      'ServiceName',
      'SpanKind',
      'StatusCode',
      'start_time',
      'duration_ms',
    ].map((name) => ({ name, type: 'String' })),
    rows: [
      ['c', 'b', 'child', 's', 'Client', 'Ok', 't2', 1],
      ['b', '', 'root', 's', 'Server', 'Unset', 't1', 5],
      ['x', 'missing', 'orphan', 's', 'Internal', 'Unset', 't3', 2],
    ],
  };
  const tree = traceTree(spans);
  assert.deepEqual(
    tree.rows.map((r) => [r[0], r[1]]),
    [
      [0, 'root'],
      [1, '  child'],
      [0, 'orphan'],
    ],
  );
  assert.throws(() => traceSql(configSchema.parse({}), "abc' OR 1=1"), /not a trace id/);
});
