// Every table created, and every signal inserted into the embedded engine and read back field
// by field, through the query socket a running exporter serves.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testSettings } from '@flowtel/testkit';
import { attr, newLogRecord, newResource, type Logs } from '@flowtel/pdata';
import {
  T0,
  batchOf,
  rowsOf,
  sampleLogs,
  sampleMetrics,
  sampleTraces,
  tempDir,
} from '../../../packages/clickhouse/test/fixtures.ts';
import { L7_SCOPE_NAME } from '@flowtel/core/smartencoding';
import { type ClickHouseClient, connect } from '@flowtel/clickhouse';
import { createStore } from '../src/clickhouse.ts';
import type { ClickHouseStore } from '@flowtel/clickhouse';
import { configSchema } from '../src/config.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** pdata's AsString of the fixtures' richAttributes. */
const RICH_AS_STRINGS = {
  str: 'hello',
  int: '42',
  big: '9007199254740993',
  dbl: '1.25',
  bool: 'true',
  bytes: Buffer.from([1, 2, 255]).toString('base64'),
  arr: '["a",1]',
  kv: '{"x":"y"}',
};

describe('embedded store: tables and round trips', () => {
  // made here, not in before(): an after() registered inside a hook runs when the hook ends,
  // which removed the folder (and the query socket in it) while the tests still used it
  const dir = tempDir({ after });
  let exporter: ClickHouseStore;
  let client: ClickHouseClient;
  const cfg = configSchema.parse({ endpoint: 'chdb://./store' });

  before(async () => {
    exporter = createStore(testSettings('clickhouse', 'exporter', dir), cfg, ['traces', 'metrics', 'logs']);
    await exporter.open();
    client = await connect(cfg, dir);
  });
  after(async () => {
    await client?.close();
    await exporter?.close();
  });

  test('creates every contrib table, the trace-id lookup with its view, and l7_flow_log', async () => {
    const rows = await rowsOf(client, "SELECT name, engine FROM system.tables WHERE database = 'otel'");
    const engines = Object.fromEntries(rows.map((r) => [r.name, r.engine]));
    for (const name of [
      'otel_traces',
      'otel_traces_trace_id_ts',
      'otel_logs',
      'otel_metrics_gauge',
      'otel_metrics_sum',
      'otel_metrics_histogram',
      'otel_metrics_exp_histogram',
      'otel_metrics_summary',
      'l7_flow_log',
    ]) {
      assert.equal(engines[name], 'MergeTree', `${name} is a MergeTree table`);
    }
    assert.equal(engines.otel_traces_trace_id_ts_mv, 'MaterializedView');
    const [keys] = await rowsOf(
      client,
      "SELECT sorting_key, partition_key FROM system.tables WHERE database = 'otel' AND name = 'otel_traces'",
    );
    assert.equal(keys.sorting_key, 'ServiceName, SpanName, toDateTime(Timestamp)');
    assert.equal(keys.partition_key, 'toDate(Timestamp)');
  });

  test('spans come back field by field, and the trace-id lookup is filled', async () => {
    const traces = sampleTraces();
    await exporter.write(batchOf('traces', traces, 3));
    const rows = await rowsOf(
      client,
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
         ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS d, StatusCode, StatusMessage,
         arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS et, Events.Name AS en, Events.Attributes AS ea,
         Links.TraceId AS lt, Links.SpanId AS ls, Links.TraceState AS lst, Links.Attributes AS la
       FROM otel.otel_traces ORDER BY SpanId`,
    );
    const spans = traces.resourceSpans.flatMap((rs) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ rs, ss, span }))),
    );
    spans.sort((a, b) => hex(a.span.spanId).localeCompare(hex(b.span.spanId)));
    assert.equal(rows.length, spans.length);
    const kinds = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
    const codes = ['Unset', 'Ok', 'Error'];
    spans.forEach(({ rs, ss, span }, i) => {
      const r = rows[i];
      assert.equal(r.ts, span.startTimeUnixNano.toString());
      assert.equal(r.TraceId, hex(span.traceId));
      assert.equal(r.SpanId, hex(span.spanId));
      assert.equal(r.ParentSpanId, span.parentSpanId.length ? hex(span.parentSpanId) : '');
      assert.equal(r.TraceState, span.traceState);
      assert.equal(r.SpanName, span.name);
      assert.equal(r.SpanKind, kinds[span.kind]);
      assert.equal(
        r.ServiceName,
        (rs.resource.attributes.find((a) => a.key === 'service.name')?.value as { stringValue: string }).stringValue,
      );
      assert.deepEqual(
        Object.keys(r.ResourceAttributes as object),
        rs.resource.attributes.map((a) => a.key),
      );
      assert.equal(r.ScopeName, ss.scope.name);
      assert.equal(r.ScopeVersion, ss.scope.version);
      assert.equal(r.d, (span.endTimeUnixNano - span.startTimeUnixNano).toString());
      assert.equal(r.StatusCode, codes[span.status.code]);
      assert.equal(r.StatusMessage, span.status.message);
      assert.deepEqual(
        r.et,
        span.events.map((e) => e.timeUnixNano.toString()),
      );
      assert.deepEqual(
        r.en,
        span.events.map((e) => e.name),
      );
      assert.deepEqual(
        r.ea,
        span.events.map((e) =>
          Object.fromEntries(
            e.attributes.map((a) => [a.key, String((a.value as { stringValue: string }).stringValue)]),
          ),
        ),
      );
      assert.deepEqual(
        r.lt,
        span.links.map((l) => hex(l.traceId)),
      );
      assert.deepEqual(
        r.ls,
        span.links.map((l) => hex(l.spanId)),
      );
      assert.deepEqual(
        r.lst,
        span.links.map((l) => l.traceState),
      );
      assert.equal((r.la as object[]).length, span.links.length);
      if (span.attributes.length) assert.deepEqual(r.SpanAttributes, RICH_AS_STRINGS);
    });
    const lookup = await rowsOf(
      client,
      "SELECT TraceId, toUnixTimestamp(Start) AS s FROM otel.otel_traces_trace_id_ts WHERE TraceId = repeat('ab', 16)",
    );
    assert.equal(lookup.length, 1);
    assert.equal(Number(lookup[0].s), Number(T0 / 1_000_000_000n));
  });

  test('log records come back field by field, EventName included', async () => {
    const logs = sampleLogs();
    await exporter.write(batchOf('logs', logs, 2));
    const rows = await rowsOf(
      client,
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, toUnixTimestamp(TimestampTime) AS tt, TraceId, SpanId, TraceFlags,
         SeverityText, SeverityNumber, ServiceName, Body, ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName,
         ScopeVersion, ScopeAttributes, LogAttributes, EventName
       FROM otel.otel_logs ORDER BY Timestamp`,
    );
    const rl = logs.resourceLogs[0];
    const sl = rl.scopeLogs[0];
    assert.equal(rows.length, sl.logRecords.length);
    const [first, second] = sl.logRecords;
    const r = rows[0];
    assert.equal(r.ts, first.timeUnixNano.toString());
    assert.equal(Number(r.tt), Number(first.timeUnixNano / 1_000_000_000n));
    assert.equal(r.TraceId, hex(first.traceId));
    assert.equal(r.SpanId, hex(first.spanId));
    assert.equal(r.TraceFlags, first.flags);
    assert.equal(r.SeverityText, first.severityText);
    assert.equal(r.SeverityNumber, first.severityNumber);
    assert.equal(r.ServiceName, 'checkout');
    assert.equal(r.Body, (first.body as { stringValue: string }).stringValue);
    assert.equal(r.ResourceSchemaUrl, rl.schemaUrl);
    assert.deepEqual(r.ResourceAttributes, { 'service.name': 'checkout' });
    assert.equal(r.ScopeSchemaUrl, sl.schemaUrl);
    assert.equal(r.ScopeName, sl.scope.name);
    assert.equal(r.ScopeVersion, sl.scope.version);
    assert.deepEqual(r.ScopeAttributes, { 'scope.attr': 'v' });
    assert.deepEqual(r.LogAttributes, RICH_AS_STRINGS);
    assert.equal(r.EventName, first.eventName);
    assert.equal(rows[1].ts, second.observedTimeUnixNano.toString(), 'a record without a time takes its observed time');
    assert.equal(rows[1].Body, '{"n":1}');
    assert.equal(rows[1].TraceId, '');
  });

  test('data points of all five kinds come back in their tables', async () => {
    const metrics = sampleMetrics();
    await exporter.write(batchOf('metrics', metrics, 5));
    const sm = metrics.resourceMetrics[0].scopeMetrics[0];
    const shared = `MetricName, MetricDescription, MetricUnit, ServiceName, ResourceSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes,
      ScopeDroppedAttrCount, ScopeSchemaUrl, Attributes, toString(toUnixTimestamp64Nano(StartTimeUnix)) AS st,
      toString(toUnixTimestamp64Nano(TimeUnix)) AS t, Flags`;
    const check = (r: Record<string, unknown>, name: string) => {
      const m = sm.metrics.find((x) => x.name === name)!;
      const dp = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)!.dataPoints[0];
      assert.equal(r.MetricName, m.name);
      assert.equal(r.MetricDescription, m.description);
      assert.equal(r.MetricUnit, m.unit);
      assert.equal(r.ServiceName, 'checkout');
      assert.equal(r.ResourceSchemaUrl, metrics.resourceMetrics[0].schemaUrl);
      assert.equal(r.ScopeName, sm.scope.name);
      assert.equal(r.ScopeVersion, sm.scope.version);
      assert.deepEqual(r.ScopeAttributes, { s: '1' });
      assert.equal(r.ScopeDroppedAttrCount, sm.scope.droppedAttributesCount);
      assert.equal(r.ScopeSchemaUrl, sm.schemaUrl);
      assert.deepEqual(r.Attributes, { route: '/cart' });
      assert.equal(r.st, dp.startTimeUnixNano.toString());
      assert.equal(r.t, dp.timeUnixNano.toString());
      assert.equal(r.Flags, dp.flags);
      return dp;
    };
    const [gauge] = await rowsOf(
      client,
      `SELECT ${shared}, Value, Exemplars.Value AS ev, Exemplars.TraceId AS et, Exemplars.SpanId AS es, Exemplars.FilteredAttributes AS ef FROM otel.otel_metrics_gauge`,
    );
    const g = check(gauge, 'queue.depth') as {
      asInt: bigint;
      exemplars: Array<{ asDouble: number; traceId: Uint8Array; spanId: Uint8Array }>;
    };
    assert.equal(gauge.Value, Number(g.asInt));
    assert.deepEqual(
      gauge.ev,
      g.exemplars.map((e) => e.asDouble),
    );
    assert.deepEqual(
      gauge.et,
      g.exemplars.map((e) => hex(e.traceId)),
    );
    assert.deepEqual(
      gauge.es,
      g.exemplars.map((e) => hex(e.spanId)),
    );
    assert.deepEqual(gauge.ef, [{ f: 'x' }]);

    const [sum] = await rowsOf(
      client,
      `SELECT ${shared}, Value, AggregationTemporality, IsMonotonic FROM otel.otel_metrics_sum`,
    );
    const s = check(sum, 'requests') as { asDouble: number };
    const sumDef = sm.metrics.find((m) => m.name === 'requests')!.sum!;
    assert.equal(sum.Value, s.asDouble);
    assert.equal(sum.AggregationTemporality, sumDef.aggregationTemporality);
    assert.equal(sum.IsMonotonic, sumDef.isMonotonic);

    const [hist] = await rowsOf(
      client,
      `SELECT ${shared}, toString(Count) AS c, Sum, arrayMap(x -> toString(x), BucketCounts) AS BucketCounts, ExplicitBounds, Min, Max, AggregationTemporality, length(Exemplars.Value) AS ne FROM otel.otel_metrics_histogram`,
    );
    const h = check(hist, 'latency') as import('@flowtel/pdata').HistogramDataPoint;
    assert.equal(hist.c, h.count.toString());
    assert.equal(hist.Sum, h.sum);
    assert.deepEqual(hist.BucketCounts, h.bucketCounts.map(String));
    assert.deepEqual(hist.ExplicitBounds, h.explicitBounds);
    assert.equal(hist.Min, h.min);
    assert.equal(hist.Max, h.max);
    assert.equal(hist.AggregationTemporality, 1);
    assert.equal(hist.ne, h.exemplars.length);

    const [exp] = await rowsOf(
      client,
      `SELECT ${shared}, toString(Count) AS c, Sum, Scale, toString(ZeroCount) AS z, PositiveOffset, arrayMap(x -> toString(x), PositiveBucketCounts) AS PositiveBucketCounts, NegativeOffset, arrayMap(x -> toString(x), NegativeBucketCounts) AS NegativeBucketCounts, Min, Max, AggregationTemporality FROM otel.otel_metrics_exp_histogram`,
    );
    const e = check(exp, 'latency.exp') as import('@flowtel/pdata').ExponentialHistogramDataPoint;
    assert.equal(exp.c, e.count.toString());
    assert.equal(exp.Sum, e.sum);
    assert.equal(exp.Scale, e.scale);
    assert.equal(exp.z, e.zeroCount.toString());
    assert.equal(exp.PositiveOffset, e.positive.offset);
    assert.deepEqual(exp.PositiveBucketCounts, e.positive.bucketCounts.map(String));
    assert.equal(exp.NegativeOffset, e.negative.offset);
    assert.deepEqual(exp.NegativeBucketCounts, e.negative.bucketCounts.map(String));
    assert.equal(exp.Max, e.max);

    const [summary] = await rowsOf(
      client,
      `SELECT ${shared}, toString(Count) AS c, Sum, ValueAtQuantiles.Quantile AS q, ValueAtQuantiles.Value AS v FROM otel.otel_metrics_summary`,
    );
    const q = check(summary, 'rpc.duration') as import('@flowtel/pdata').SummaryDataPoint;
    assert.equal(summary.c, q.count.toString());
    assert.equal(summary.Sum, q.sum);
    assert.deepEqual(
      summary.q,
      q.quantileValues.map((x) => x.quantile),
    );
    assert.deepEqual(
      summary.v,
      q.quantileValues.map((x) => x.value),
    );
  });

  test(`request logs of scope ${L7_SCOPE_NAME} go to l7_flow_log, not otel_logs`, async () => {
    const before = await rowsOf(client, 'SELECT count() AS n FROM otel.otel_logs');
    const record = newLogRecord({
      timeUnixNano: T0,
      traceId: new Uint8Array(16).fill(7),
      spanId: new Uint8Array(8).fill(8),
      attributes: [
        attr('l7_protocol', 'HTTP'),
        attr('version', '1.1'),
        attr('type', 'request'),
        attr('ip_0', '10.0.0.1'),
        attr('server.address', '2001:db8::5'),
        attr('client_port', 51000),
        attr('server_port', 8080),
        attr('protocol', 'tcp'),
        attr('http.request.method', 'POST'),
        attr('request_domain', 'shop.local'),
        attr('request_resource', '/api/pay'),
        attr('endpoint', '/api/pay'),
        attr('request_id', 77),
        attr('response_status', 'server_error'),
        attr('response_code', 503),
        attr('response_exception', 'Service Unavailable'),
        attr('response_duration', 2500),
        attr('request_length', 120),
        attr('process_id_0', 4242),
        attr('process_kname_0', 'curl'),
        attr('parent_span_id', '0909090909090909'),
        attr('http.user_agent', 'curl/8'),
        attr('tap_side', 's-p'),
      ],
    });
    // as the l7 processor writes it: codes as numbers, the protocol under l7_protocol_str
    const asProcessorWrites = newLogRecord({
      timeUnixNano: T0 + 10_000n,
      attributes: [
        attr('l7_protocol_str', 'DNS'),
        attr('response_status', 4),
        attr('x_request_id', 'rid-1'),
        attr('protocol', 17),
      ],
    });
    const logs: Logs = {
      resourceLogs: [
        {
          resource: newResource([attr('service.name', 'edge')]),
          schemaUrl: '',
          scopeLogs: [
            {
              scope: { name: L7_SCOPE_NAME, version: '', attributes: [], droppedAttributesCount: 0 },
              schemaUrl: '',
              logRecords: [record, asProcessorWrites],
            },
          ],
        },
      ],
    };
    await exporter.write(batchOf('logs', logs, 2));
    const [row, second] = await rowsOf(
      client,
      `SELECT toUnixTimestamp(time) AS time, toString(toUnixTimestamp64Micro(start_time)) AS st, toString(toUnixTimestamp64Micro(end_time)) AS et,
         is_ipv4, toString(ip4_0) AS ip4_0, toString(ip6_1) AS ip6_1, client_port, server_port, protocol, l7_protocol, l7_protocol_str, version, type,
         request_type, request_domain, request_resource, endpoint, toString(request_id) AS request_id, response_status, response_code,
         response_exception, trace_id, span_id, parent_span_id, app_service, toString(response_duration) AS rd, toString(request_length) AS rl,
         response_length, process_id_0, process_kname_0, attribute_names, attribute_values, tap_side, x_request_id_0
       FROM otel.l7_flow_log ORDER BY start_time`,
    );
    const startUs = T0 / 1000n;
    assert.equal(row.st, startUs.toString());
    assert.equal(row.et, (startUs + 2500n).toString());
    assert.equal(row.time, Number((T0 + 2_500_000n) / 1_000_000_000n));
    assert.equal(row.is_ipv4, 0, 'one side is IPv6');
    assert.equal(row.ip4_0, '10.0.0.1');
    assert.equal(row.ip6_1, '2001:db8::5');
    assert.equal(row.client_port, 51000);
    assert.equal(row.server_port, 8080);
    assert.equal(row.protocol, 6);
    assert.equal(row.l7_protocol, 20);
    assert.equal(row.l7_protocol_str, 'HTTP');
    assert.equal(row.version, '1.1');
    assert.equal(row.type, 0);
    assert.equal(row.request_type, 'POST', 'taken from the semantic-convention attribute');
    assert.equal(row.request_domain, 'shop.local');
    assert.equal(row.request_resource, '/api/pay');
    assert.equal(row.endpoint, '/api/pay');
    assert.equal(row.request_id, '77');
    assert.equal(row.response_status, 3);
    assert.equal(row.response_code, 503);
    assert.equal(row.response_exception, 'Service Unavailable');
    assert.equal(row.trace_id, '07'.repeat(16));
    assert.equal(row.span_id, '08'.repeat(8));
    assert.equal(row.parent_span_id, '0909090909090909');
    assert.equal(row.app_service, 'edge');
    assert.equal(row.rd, '2500');
    assert.equal(row.rl, '120');
    assert.equal(row.response_length, null);
    assert.equal(row.process_id_0, 4242);
    assert.equal(row.process_kname_0, 'curl');
    assert.equal(row.tap_side, 's-p');
    assert.deepEqual(row.attribute_names, ['http.user_agent']);
    assert.equal(second.l7_protocol, 120);
    assert.equal(second.l7_protocol_str, 'DNS');
    assert.equal(second.response_status, 4);
    assert.equal(second.x_request_id_0, 'rid-1');
    assert.equal(second.protocol, 17);
    assert.equal(second.type, 2, 'a request log is a session: request and response');
    assert.equal(second.response_code, null);
    assert.deepEqual(row.attribute_values, ['curl/8']);
    const afterCount = await rowsOf(client, 'SELECT count() AS n FROM otel.otel_logs');
    assert.equal(afterCount[0].n, before[0].n, 'otel_logs did not get the request log');
  });

  test('LowCardinality dictionaries of every index width, and blocks whose arrays are all empty', async () => {
    for (const distinct of [300, 70_000]) {
      const traces = sampleTraces();
      const proto = traces.resourceSpans[0].scopeSpans[0].spans[1];
      traces.resourceSpans = [traces.resourceSpans[0]];
      traces.resourceSpans[0].scopeSpans[0].spans = Array.from({ length: distinct }, (_, i) => ({
        ...proto,
        name: `op-${distinct}-${i}`,
        attributes: [attr(`key-${i}`, i)],
        events: [],
        links: [],
      }));
      await exporter.write(batchOf('traces', traces, distinct));
      const [row] = await rowsOf(
        client,
        `SELECT count(DISTINCT SpanName) AS names, countIf(SpanAttributes[concat('key-', toString(toUInt32(substring(SpanName, ${String(distinct).length + 5})) ))] = substring(SpanName, ${String(distinct).length + 5})) AS matching, sum(length(Events.Name)) AS events
         FROM otel.otel_traces WHERE startsWith(SpanName, 'op-${distinct}-')`,
      );
      assert.equal(Number(row.names), distinct);
      assert.equal(Number(row.matching), distinct, 'each span keeps its own attribute key and value');
      assert.equal(Number(row.events), 0);
    }
  });

  test('an INSERT is cut at max_insert_rows and max_insert_bytes', () => {
    const spans = sampleTraces();
    const byRows = createStore(
      testSettings('clickhouse', 'exporter', dir),
      configSchema.parse({ max_insert_rows: 2 }),
      ['traces'],
    );
    const blocks = byRows.encode(batchOf('traces', spans, 3));
    assert.deepEqual(
      blocks.map((b) => b.rows),
      [2, 1],
    );
    const many = sampleTraces();
    const proto = many.resourceSpans[0].scopeSpans[0].spans[1];
    many.resourceSpans[0].scopeSpans[0].spans = Array.from({ length: 1500 }, () => proto);
    const byBytes = createStore(
      testSettings('clickhouse', 'exporter', dir),
      configSchema.parse({ max_insert_bytes: 1 }),
      ['traces'],
    );
    const cut = byBytes.encode(batchOf('traces', many, 1501));
    assert.ok(cut.length > 1, 'a byte bound smaller than a block cuts it');
    assert.equal(
      cut.reduce((n, b) => n + b.rows, 0),
      1501,
    );
  });
});
