// The hand-written WriteRequest encoder read back by protobufjs, and the label-aware snappy
// blocks read back by two independent snappy decoders.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pureJsSnappy, snappyCodec } from '../src/compress.ts';
import { factory } from '../src/index.ts';
import { translateSettings } from '../src/prometheus_remote_write.ts';
import { STALE_NAN_BITS, type TimeSeries, Translator } from '@flowtel/prometheus';
import { WriteRequestEncoder } from '../src/write-request.ts';
import { ProtoStreamWriter as ProtoWriter } from '@flowtel/pdata';
import protobuf from 'protobufjs';
import {
  attrs,
  exponentialHistogram,
  exponentialPoint,
  gauge,
  histogram,
  histogramPoint,
  metricsOf,
  numberPoint,
  counter,
} from './support/metrics.ts';
import { decodeWriteRequest, sampleValueBits } from './support/prompb.ts';

const translator = (config: Record<string, unknown> = {}) =>
  new Translator(translateSettings(factory.configSchema.parse(config)));
const native = snappyCodec();
const js = pureJsSnappy();

function series(n: number, labelsPerSeries: number, valueLength = 8): TimeSeries[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: [
      { name: '__name__', value: `metric_${i % 3}` },
      ...Array.from({ length: labelsPerSeries }, (_, k) => ({
        name: `label_${k}`,
        value: `${'v'.repeat(valueLength)}${(i + k) % 7}`,
      })),
      { name: 'zz_unique', value: String(i) },
    ],
    samples: [{ value: i, timestamp: 1_700_000_000_000 + i }],
    exemplars: [],
    histograms: [],
  }));
}

describe('WriteRequest encoding', () => {
  test('varints, zigzag and negative int64 are written byte for byte as protobufjs writes them', () => {
    for (const n of [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1_700_000_000_123, 2 ** 53 - 1]) {
      const w = new ProtoWriter(16);
      w.varint(n);
      assert.deepEqual(
        Buffer.from(w.finish()),
        Buffer.from(protobuf.Writer.create().uint64(n).finish()),
        `varint ${n}`,
      );
    }
    for (const n of [0, -1, 1, -64, 64, -(2 ** 40), 2 ** 40]) {
      const w = new ProtoWriter(16);
      w.sint(n);
      assert.deepEqual(Buffer.from(w.finish()), Buffer.from(protobuf.Writer.create().sint64(n).finish()), `sint ${n}`);
    }
    const w = new ProtoWriter(16);
    w.int64(-5);
    assert.deepEqual(Buffer.from(w.finish()), Buffer.from(protobuf.Writer.create().int64(-5).finish()));
  });

  test('protobufjs reads back labels sorted by name, samples in time order, exemplars and metadata', () => {
    const t = 1_700_000_000_000;
    const data = metricsOf(attrs({ 'service.name': 'svc', 'service.instance.id': 'i', zone: 'z' }), [
      gauge('g', 'By', [
        numberPoint(t + 2000, 2, attrs({ b: '2', a: '1' })),
        numberPoint(t, 1, attrs({ a: '1', b: '2' })),
      ]),
      counter('c', '', [
        {
          ...numberPoint(t, 5),
          exemplars: [
            {
              filteredAttributes: attrs({ user: 'u1' }),
              timeUnixNano: BigInt(t) * 1_000_000n,
              asDouble: 0.5,
              traceId: new Uint8Array(16).fill(1),
              spanId: new Uint8Array(8).fill(2),
            },
          ],
        },
      ]),
    ]);
    const tr = translator({ send_metadata: true }).translate(data);
    const [request, metadataRequest] = new WriteRequestEncoder(3_000_000, native).encode(tr.series, tr.metadata);
    const decoded = decodeWriteRequest(request.body);
    const g = decoded.timeseries.find((s) => s.labels.some((l) => l.value === 'g_bytes'))!;
    assert.deepEqual(
      g.labels.map((l) => l.name),
      ['__name__', 'a', 'b', 'instance', 'job'],
    );
    assert.deepEqual(g.samples, [
      { value: 1, timestamp: String(t) },
      { value: 2, timestamp: String(t + 2000) },
    ]);
    const c = decoded.timeseries.find((s) => s.labels.some((l) => l.value === 'c_total'))!;
    assert.deepEqual(c.exemplars, [
      {
        labels: [
          { name: 'trace_id', value: '01'.repeat(16) },
          { name: 'span_id', value: '02'.repeat(8) },
          { name: 'user', value: 'u1' },
        ],
        value: 0.5,
        timestamp: String(t),
      },
    ]);
    const info = decoded.timeseries.find((s) => s.labels.some((l) => l.value === 'target_info'))!;
    assert.deepEqual(info.labels, [
      { name: '__name__', value: 'target_info' },
      { name: 'instance', value: 'i' },
      { name: 'job', value: 'svc' },
      { name: 'zone', value: 'z' },
    ]);
    assert.equal(
      info.samples[0].timestamp,
      String(t + 2000),
      'target_info carries the latest timestamp of the resource',
    );
    assert.equal(request.samples, 4);
    assert.equal(request.exemplars, 1);
    const metadata = decodeWriteRequest(metadataRequest.body).metadata;
    assert.deepEqual(
      metadata.map((m) => [m.type, m.metric_family_name, m.help]),
      [
        ['GAUGE', 'g_bytes', 'g gauge'],
        ['COUNTER', 'c_total', ''],
      ],
    );
  });

  test('staleness markers carry the StaleNaN bit pattern, on samples and native histograms', () => {
    const t = 1_700_000_000_000;
    const exp = exponentialPoint(t, { scale: 2, offset: 0, counts: [1], sum: 1 });
    exp.flags = 1;
    const data = metricsOf(
      [],
      [
        gauge('g', '', [numberPoint(t, 0, [], 1)]),
        histogram('h', '', [histogramPoint(t, [1], [1, 1], 2, [], 1)]),
        exponentialHistogram('e', '', [exp]),
      ],
    );
    const [request] = new WriteRequestEncoder(3_000_000, 'label-aware').encode(translator().translate(data).series);
    const bits = sampleValueBits(request.body);
    assert.equal(bits.length, 5, 'gauge, histogram sum, count and two buckets');
    for (const b of bits) assert.equal(b, STALE_NAN_BITS);
    const nativeHistogram = decodeWriteRequest(request.body).timeseries.find((s) => s.histograms.length > 0)!
      .histograms[0];
    assert.equal(nativeHistogram.count_int, STALE_NAN_BITS.toString());
    assert.ok(Number.isNaN(nativeHistogram.sum));
  });

  test('exponential histograms become native histograms: spans, deltas, zero bucket, scale capped at 8', () => {
    const t = 1_700_000_000_000;
    const data = metricsOf(
      [],
      [
        exponentialHistogram('e', '', [
          exponentialPoint(t, {
            scale: 3,
            offset: -2,
            counts: [1, 0, 2, 0, 0, 0, 0, 4],
            zeroCount: 3,
            sum: 9,
            negative: { offset: 0, counts: [5] },
          }),
        ]),
        exponentialHistogram('fine', '', [
          exponentialPoint(t, { scale: 10, offset: 0, counts: [1, 1, 1, 1, 1], sum: 5 }),
        ]),
        exponentialHistogram('coarse', '', [exponentialPoint(t, { scale: -5, offset: 0, counts: [1], sum: 1 })]),
      ],
    );
    const tr = translator().translate(data);
    assert.equal(tr.droppedPoints, 1, 'scale -5 has no native equivalent');
    assert.match(tr.errors.join('\n'), /Scale must be >= -4, was -5/);
    const [request] = new WriteRequestEncoder(3_000_000, native).encode(tr.series);
    const decoded = decodeWriteRequest(request.body).timeseries;
    const h = (name: string) =>
      decoded.find((s) => s.labels.some((l) => l.value === name))!.histograms[0] as Record<string, any>;
    const e = h('e');
    assert.equal(e.schema, 3);
    assert.equal(e.count_int, '15');
    assert.equal(e.zero_count_int, '3');
    assert.equal(e.sum, 9);
    // OTLP index i is Prometheus index i+1: buckets at -1, 1 and 6; the gap of 1 is filled, the gap of 4 is a new span
    assert.deepEqual(e.positive_spans, [
      { offset: -1, length: 3 },
      { offset: 4, length: 1 },
    ]);
    assert.deepEqual(e.positive_deltas.map(Number), [1, -1, 2, 2]);
    assert.deepEqual(e.negative_spans, [{ offset: 1, length: 1 }]);
    assert.deepEqual(e.negative_deltas.map(Number), [5]);
    const fine = h('fine');
    assert.equal(fine.schema, 8, 'scale 10 merged down to 8');
    // indexes 0..4 at scale 10 are 0,0,0,0,1 at scale 8, then +1
    assert.deepEqual(fine.positive_spans, [{ offset: 1, length: 2 }]);
    assert.deepEqual(fine.positive_deltas.map(Number), [4, -3]);
  });

  test('requests are cut at max_batch_size_bytes on series boundaries, and every series is sent once', () => {
    const all = series(500, 6);
    const requests = new WriteRequestEncoder(20_000, native).encode(all);
    const total = requests.reduce((n, r) => n + r.body.byteLength, 0);
    assert.ok(requests.length >= Math.ceil(total / 20_000), `${requests.length} requests for ${total} bytes`);
    let seen = 0;
    for (const r of requests) {
      const decoded = decodeWriteRequest(r.body).timeseries;
      assert.ok(r.body.byteLength < 20_000 || decoded.length === 1, `a request of ${r.body.byteLength} bytes`);
      assert.equal(r.samples, decoded.length);
      for (const s of decoded) assert.equal(s.labels.at(-1)!.value, String(seen++));
    }
    assert.equal(seen, 500);
  });

  test('label-aware snappy blocks decode with the native and the pure-JS snappy to the same bytes', () => {
    const shapes: Array<[string, TimeSeries[], number]> = [
      ['many small series', series(3000, 8), 3_000_000],
      ['labels longer than one copy element', series(300, 4, 150), 3_000_000],
      ['repeats more than 64 KiB apart', series(2000, 40, 40), 3_000_000],
      ['cut into many requests', series(2000, 8), 50_000],
      ['one series', series(1, 3), 3_000_000],
    ];
    for (const [what, shape, max] of shapes) {
      const requests = new WriteRequestEncoder(max, 'label-aware').encode(shape);
      let ratio = 0;
      for (const r of requests) {
        assert.deepEqual(Buffer.from(native.uncompress(r.compressed)), Buffer.from(r.body), `${what}: native`);
        assert.deepEqual(Buffer.from(js.uncompress(r.compressed)), Buffer.from(r.body), `${what}: snappyjs`);
        ratio += r.body.byteLength / r.compressed.byteLength / requests.length;
      }
      if (shape.length > 100) assert.ok(ratio > 2, `${what}: compresses ${ratio.toFixed(1)}x`);
    }
  });

  test('the label cache survives from batch to batch and never serves another series its bytes', () => {
    const encoder = new WriteRequestEncoder(3_000_000, 'label-aware');
    const first = series(100, 5);
    const second = series(100, 5).map((s, i) => ({
      ...s,
      labels: s.labels.map((l) => (l.name === 'label_0' ? { ...l, value: `changed${i}` } : l)),
    }));
    for (const batch of [first, second, first]) {
      const [r] = encoder.encode(batch);
      const decoded = decodeWriteRequest(native.uncompress(r.compressed)).timeseries;
      assert.deepEqual(
        decoded.map((s) => s.labels),
        batch.map((s) => s.labels),
      );
    }
  });
});
