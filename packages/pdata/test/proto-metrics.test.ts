import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { HrTime } from '@opentelemetry/api';
import { DataPointType, type Histogram, type ExponentialHistogram } from '@opentelemetry/sdk-metrics';
import { decodeMetrics, encodeMetrics, type Metric, type NumberDataPoint } from '../src/index.ts';
import { loadOtlpTypes } from './support/otlp-proto.ts';
import { normalize, pbjsDecode, pbjsEncode } from './support/pbjs.ts';
import { MAX_U64, sampleMetrics } from './support/sample.ts';
import { sdkMetrics } from './support/sdk-metrics.ts';

const types = loadOtlpTypes();
const nanos = ([s, ns]: HrTime) => BigInt(s) * 1_000_000_000n + BigInt(ns);

test('metrics: model → proto → model keeps every value, and re-encoding is byte-identical', () => {
  const model = sampleMetrics();
  const bytes = encodeMetrics(model);
  const decoded = decodeMetrics(bytes);
  assert.deepEqual(decoded, model);
  const [gauge, , , histogram, exponential] = decoded.resourceMetrics[0].scopeMetrics[0].metrics;
  assert.ok(Number.isNaN(gauge.gauge!.dataPoints[0].asDouble));
  assert.equal(gauge.gauge!.dataPoints[1].asInt, 0n, 'an int point of 0 keeps its presence');
  assert.equal('asDouble' in gauge.gauge!.dataPoints[5] || 'asInt' in gauge.gauge!.dataPoints[5], false);
  assert.equal(histogram.histogram!.dataPoints[0].sum, 0, 'an optional sum of 0 keeps its presence');
  assert.equal('sum' in histogram.histogram!.dataPoints[1], false);
  assert.deepEqual(exponential.exponentialHistogram!.dataPoints[0].positive.bucketCounts.at(-1), MAX_U64);
  assert.deepEqual(encodeMetrics(decoded), bytes);
});

test('metrics: protobufjs reads our bytes as we wrote them', () => {
  const model = sampleMetrics();
  assert.deepEqual(normalize(pbjsDecode(types.metricsRequest, encodeMetrics(model))), normalize(model));
});

test('metrics: we read protobufjs bytes, including unpacked repeated scalars', () => {
  const model = sampleMetrics();
  assert.deepEqual(decodeMetrics(pbjsEncode(types.metricsRequest, model)), model);

  // bucket_counts (6) and explicit_bounds (7) sent one element per field, as proto2 writers do
  const point = Uint8Array.from([0x31, ...le64(3n), 0x31, ...le64(MAX_U64), 0x39, ...le64f(2.5)]);
  const histogram = frame(9, frame(1, point));
  const metric = frame(2, Uint8Array.from([...frame(1, new TextEncoder().encode('h')), ...histogram]));
  const request = frame(1, frame(2, metric));
  const decoded = decodeMetrics(request).resourceMetrics[0].scopeMetrics[0].metrics[0];
  assert.deepEqual(decoded.histogram!.dataPoints[0].bucketCounts, [3n, MAX_U64]);
  assert.deepEqual(decoded.histogram!.dataPoints[0].explicitBounds, [2.5]);
});

test('metrics: the OpenTelemetry JS SDK serializer output decodes field by field', async () => {
  const resourceMetrics = await sdkMetrics();
  const bytes = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
  const metrics = decodeMetrics(bytes);
  assert.deepEqual(normalize(metrics), normalize(pbjsDecode(types.metricsRequest, bytes)));

  assert.equal(metrics.resourceMetrics.length, 1);
  const [rm] = metrics.resourceMetrics;
  assert.equal(rm.scopeMetrics.length, resourceMetrics.scopeMetrics.length);
  const sdkScope = resourceMetrics.scopeMetrics[0];
  const ours = rm.scopeMetrics[0];
  assert.equal(ours.scope.name, sdkScope.scope.name);
  assert.equal(ours.schemaUrl, sdkScope.scope.schemaUrl);
  assert.equal(ours.metrics.length, sdkScope.metrics.length);
  for (const sdk of sdkScope.metrics) {
    const metric = ours.metrics.find((m) => m.name === sdk.descriptor.name);
    assert.ok(metric, `metric ${sdk.descriptor.name} decoded`);
    assert.equal(metric.description, sdk.descriptor.description);
    assert.equal(metric.unit, sdk.descriptor.unit);
    const points = dataPoints(metric);
    assert.equal(points.length, sdk.dataPoints.length);
    sdk.dataPoints.forEach((sdkPoint, i) => {
      const p = points[i];
      assert.equal(p.startTimeUnixNano, nanos(sdkPoint.startTime));
      assert.equal(p.timeUnixNano, nanos(sdkPoint.endTime));
      assert.equal(p.attributes.length, Object.keys(sdkPoint.attributes).length);
      switch (sdk.dataPointType) {
        case DataPointType.SUM:
          assert.equal(metric.sum!.isMonotonic, sdk.isMonotonic);
          assert.equal(metric.sum!.aggregationTemporality, sdk.aggregationTemporality + 1);
          assert.equal(numberValue(p as NumberDataPoint), sdkPoint.value);
          break;
        case DataPointType.GAUGE:
          assert.equal(numberValue(p as NumberDataPoint), sdkPoint.value);
          break;
        case DataPointType.HISTOGRAM: {
          const v = sdkPoint.value as Histogram;
          const h = metric.histogram!.dataPoints[i];
          assert.deepEqual(h.explicitBounds, v.buckets.boundaries);
          assert.deepEqual(h.bucketCounts, v.buckets.counts.map(BigInt));
          assert.deepEqual([h.count, h.sum, h.min, h.max], [BigInt(v.count), v.sum, v.min, v.max]);
          break;
        }
        case DataPointType.EXPONENTIAL_HISTOGRAM: {
          const v = sdkPoint.value as ExponentialHistogram;
          const e = metric.exponentialHistogram!.dataPoints[i];
          assert.deepEqual(
            [e.count, e.sum, e.scale, e.zeroCount, e.min, e.max],
            [BigInt(v.count), v.sum, v.scale, BigInt(v.zeroCount), v.min, v.max],
          );
          assert.deepEqual(e.positive, {
            offset: v.positive.offset,
            bucketCounts: v.positive.bucketCounts.map(BigInt),
          });
          assert.deepEqual(e.negative, {
            offset: v.negative.offset,
            bucketCounts: v.negative.bucketCounts.map(BigInt),
          });
          break;
        }
      }
    });
  }
  const kinds = new Set(
    ours.metrics.map((m) =>
      Object.keys(m).find((k) => ['gauge', 'sum', 'histogram', 'exponentialHistogram'].includes(k)),
    ),
  );
  assert.deepEqual([...kinds].sort(), ['exponentialHistogram', 'gauge', 'histogram', 'sum']);
});

function dataPoints(metric: Metric): { startTimeUnixNano: bigint; timeUnixNano: bigint; attributes: unknown[] }[] {
  const data = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data!.dataPoints;
}

function numberValue(p: NumberDataPoint): number {
  return p.asInt !== undefined ? Number(p.asInt) : p.asDouble!;
}

function le64(v: bigint): number[] {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return [...b];
}

function le64f(v: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return [...b];
}

function frame(field: number, body: Uint8Array): Uint8Array {
  if (body.length > 127) throw new Error('test frames are short');
  return Uint8Array.from([(field << 3) | 2, body.length, ...body]);
}
