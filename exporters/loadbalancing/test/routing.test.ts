// How batches are cut per routing key: every item once, each trace (service, metric...) whole on
// one backend, envelopes kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, newLogRecord, newResource, newScope, newSpan, type Metrics, type Traces } from '@flowtel/pdata';
import { HashRing, splitLogs, splitMetrics, splitTraces } from '../src/index.ts';

const str = (kv: { value: unknown }) => String((kv.value as { stringValue?: string }).stringValue);

const ring = new HashRing(['b1:4317', 'b2:4317', 'b3:4317']);
const endpointFor = (k: Uint8Array | string) => ring.endpointFor(k);
const id = (n: number, len = 16) => Uint8Array.from({ length: len }, (_, i) => (n * 31 + i * 7) & 0xff);

function traces(): Traces {
  const spans = (svc: number) =>
    Array.from({ length: 40 }, (_, i) =>
      newSpan({ traceId: id(i % 10), spanId: id(svc * 100 + i, 8), name: `s${i}`, kind: 1 + (i % 3) }),
    );
  return {
    resourceSpans: [1, 2].map((svc) => ({
      resource: newResource([attr('service.name', `svc-${svc}`)]),
      schemaUrl: '',
      scopeSpans: [
        { scope: newScope('a'), spans: spans(svc).slice(0, 20), schemaUrl: '' },
        { scope: newScope('b'), spans: spans(svc).slice(20), schemaUrl: '' },
      ],
    })),
  };
}

const spansOf = (t: Traces) => t.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));

test("traceID: every span of a trace to the trace id's backend, envelopes kept", () => {
  const shares = splitTraces(traces(), 'traceID', [], endpointFor);
  let total = 0;
  for (const [endpoint, share] of shares) {
    const spans = spansOf(share.data);
    assert.equal(share.items, spans.length);
    total += spans.length;
    for (const s of spans) assert.equal(ring.endpointFor(s.traceId), endpoint);
    for (const rs of share.data.resourceSpans) assert.match(str(rs.resource.attributes[0]), /svc-/);
  }
  assert.equal(total, 80);
  assert.ok(shares.size >= 2);
});

test("service: a resource whole to its service.name's backend", () => {
  const shares = splitTraces(traces(), 'service', [], endpointFor);
  for (const [endpoint, share] of shares)
    for (const rs of share.data.resourceSpans) {
      const svc = str(rs.resource.attributes[0]);
      assert.equal(ring.endpointFor(svc), endpoint);
      assert.equal(rs.scopeSpans.flatMap((s) => s.spans).length, 40);
    }
});

test("attributes: resource value, then span.kind pseudo attribute of each trace's first span", () => {
  const input = traces();
  const shares = splitTraces(input, 'attributes', ['service.name', 'span.kind'], endpointFor);
  for (const rs of input.resourceSpans) {
    const first = new Map<string, number>();
    for (const s of rs.scopeSpans.flatMap((ss) => ss.spans)) {
      const t = Buffer.from(s.traceId).toString('hex');
      if (!first.has(t)) first.set(t, s.kind);
    }
    for (const [t, kind] of first) {
      const key = `${str(rs.resource.attributes[0])}${['Unspecified', 'Internal', 'Server', 'Client'][kind]}`;
      const share = shares.get(ring.endpointFor(key)!)!;
      const found = share.data.resourceSpans
        .filter((r) => str(r.resource.attributes[0]) === str(rs.resource.attributes[0]))
        .flatMap((r) => r.scopeSpans.flatMap((ss) => ss.spans))
        .filter((s) => Buffer.from(s.traceId).toString('hex') === t);
      assert.equal(found.length, 4, `trace ${t} whole on its backend`);
    }
  }
});

test("logs: traceID keys by the record's trace id; records without one still land", () => {
  const records = Array.from({ length: 30 }, (_, i) =>
    newLogRecord({ traceId: i < 20 ? id(i % 5) : new Uint8Array(16) }),
  );
  const logs = {
    resourceLogs: [
      {
        resource: newResource(),
        schemaUrl: '',
        scopeLogs: [{ scope: newScope(), logRecords: records, schemaUrl: '' }],
      },
    ],
  };
  const shares = splitLogs(logs, 'traceID', [], endpointFor);
  let total = 0;
  for (const [endpoint, share] of shares)
    for (const r of share.data.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))) {
      total++;
      if (r.traceId.some((b) => b !== 0)) assert.equal(ring.endpointFor(r.traceId), endpoint);
    }
  assert.equal(total, 30);
});

test('metrics: metric keys by name, attributes by "name=value|" over resource, scope and point', () => {
  const point = (v: string) => ({
    attributes: [attr('host', v)],
    startTimeUnixNano: 0n,
    timeUnixNano: 1n,
    asInt: 1n,
    exemplars: [],
    flags: 0,
  });
  const metrics: Metrics = {
    resourceMetrics: [
      {
        resource: newResource([attr('service.name', 'api')]),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope('m'),
            schemaUrl: '',
            metrics: ['a', 'b', 'c', 'd'].map((name) => ({
              name,
              description: '',
              unit: '',
              metadata: [],
              gauge: { dataPoints: ['h1', 'h2', 'h3', 'h4'].map(point) },
            })) as unknown as Metrics['resourceMetrics'][0]['scopeMetrics'][0]['metrics'],
          },
        ],
      },
    ],
  };
  for (const [endpoint, share] of splitMetrics(metrics, 'metric', [], endpointFor)) {
    for (const m of share.data.resourceMetrics[0].scopeMetrics[0].metrics) {
      assert.equal(ring.endpointFor(m.name), endpoint);
      assert.equal(m.gauge!.dataPoints.length, 4);
    }
  }
  let points = 0;
  for (const [endpoint, share] of splitMetrics(metrics, 'attributes', ['service.name', 'host'], endpointFor))
    for (const m of share.data.resourceMetrics[0].scopeMetrics[0].metrics)
      for (const p of m.gauge!.dataPoints) {
        points++;
        const host = str(p.attributes[0]);
        assert.equal(ring.endpointFor(`service.name=api|host=${host}|`), endpoint);
      }
  assert.equal(points, 16);
});
