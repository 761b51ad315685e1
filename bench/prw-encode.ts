// prometheus_remote_write throughput: samples per CPU second for WriteRequest encoding with
// each compressor (the exporter's label-aware snappy, the native `snappy` package, the pure-JS
// `snappyjs`), the whole path from pdata (translate + encode + compress), and exported into a
// real Prometheus through the exporter with its queue.
import { metrics as otelMetrics } from '@opentelemetry/api';
import { Ack, type Batch } from '@flowtel/core';
import type { Metrics, NumberDataPoint } from '@flowtel/pdata';
import { attr, newResource, newScope } from '@flowtel/pdata';
import { testHost, testSettings } from '@flowtel/testkit';
import { factory } from '../exporters/prometheus_remote_write/src/index.ts';
import { pureJsSnappy, snappyCodec } from '../exporters/prometheus_remote_write/src/compress.ts';
import { Translator } from '../exporters/prometheus_remote_write/src/translate.ts';
import { translateSettings } from '../exporters/prometheus_remote_write/src/prometheus_remote_write.ts';
import { WriteRequestEncoder } from '../exporters/prometheus_remote_write/src/write-request.ts';
import { Prometheus, prometheusBinary } from '../exporters/prometheus_remote_write/test/support/prometheus.ts';
import { report, selfUsage } from './lib/report.ts';

const SERIES_PER_BATCH = 2_000;
const PHASE_SECONDS = 3;
const MAX_BATCH_BYTES = 3_000_000;

/** A batch like a busy service's: a few metrics, each with several attributes, one point per series. */
function makeBatch(timeMs: number, value: number): Metrics {
  const points: NumberDataPoint[] = [];
  for (let i = 0; i < SERIES_PER_BATCH; i++) {
    points.push({
      attributes: [
        attr('http.request.method', i % 2 ? 'GET' : 'POST'),
        attr('http.route', `/api/v1/items/${i % 50}`),
        attr('http.response.status_code', 200 + (i % 5)),
        attr('server.address', 'checkout.internal'),
        attr('network.protocol.version', '1.1'),
        attr('pod', `checkout-${i % 40}`),
        attr('series', i),
      ],
      startTimeUnixNano: BigInt(timeMs - 60_000) * 1_000_000n,
      timeUnixNano: BigInt(timeMs) * 1_000_000n,
      asDouble: value + i,
      exemplars: [],
      flags: 0,
    });
  }
  return {
    resourceMetrics: [
      {
        resource: newResource([attr('service.name', 'checkout'), attr('service.instance.id', 'bench-1'), attr('host.name', 'bench')]),
        schemaUrl: '',
        scopeMetrics: [
          {
            scope: newScope('bench'),
            schemaUrl: '',
            metrics: [{ name: 'http.server.requests', unit: '{request}', description: '', metadata: [], sum: { dataPoints: points, aggregationTemporality: 2, isMonotonic: true } }],
          },
        ],
      },
    ],
  };
}

const config = factory.configSchema.parse({});

/** Runs `work` (which handles `samples` samples) for a few seconds; samples per CPU second and per wall second. */
function measure(samplesPerCall: number, work: () => void) {
  const start = process.cpuUsage();
  const wallStart = performance.now();
  let samples = 0;
  while (performance.now() - wallStart < PHASE_SECONDS * 1000) {
    work();
    samples += samplesPerCall;
  }
  const cpu = process.cpuUsage(start);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - wallStart) / 1000;
  return { samples, samples_per_cpu_second: Math.round(samples / cpuSeconds), samples_per_second: Math.round(samples / wallSeconds) };
}

function encodeFigures() {
  const translator = new Translator(translateSettings(config));
  const batch = makeBatch(Date.now(), 1);
  const series = translator.translate(batch).series;
  const samples = series.reduce((n, s) => n + s.samples.length, 0);
  const native = snappyCodec();
  const encoders = {
    label_aware_snappy: new WriteRequestEncoder(MAX_BATCH_BYTES, 'label-aware'),
    native_snappy: new WriteRequestEncoder(MAX_BATCH_BYTES, native),
    snappyjs: new WriteRequestEncoder(MAX_BATCH_BYTES, pureJsSnappy()),
  };
  const figures: Record<string, unknown> = { series_per_batch: series.length, native_snappy_package: native.name };
  for (const [name, encoder] of Object.entries(encoders)) {
    const requests = encoder.encode(series);
    const uncompressed = requests.reduce((n, r) => n + r.body.byteLength, 0);
    const compressed = requests.reduce((n, r) => n + r.compressed.byteLength, 0);
    figures[name] = {
      uncompressed_bytes_per_sample: +(uncompressed / samples).toFixed(1),
      compressed_bytes_per_sample: +(compressed / samples).toFixed(1),
      encode_and_compress: measure(samples, () => encoder.encode(series)),
    };
  }
  const exporterEncoder = encoders.label_aware_snappy;
  figures.translate_encode_compress = measure(samples, () => exporterEncoder.encode(translator.translate(batch).series));
  return figures;
}

async function exportFigures(): Promise<Record<string, unknown>> {
  if (!prometheusBinary()) return { skipped: 'prometheus is not installed' };
  const prom = await Prometheus.start();
  try {
    const batches = 100;
    const base = Date.now() - 60_000;
    // built before the clock starts: data arrives from a receiver, it is not the exporter's work
    const data: Batch[] = Array.from({ length: batches }, (_, i) => ({ signal: 'metrics', items: SERIES_PER_BATCH, data: makeBatch(base + i * 10, i), ack: Ack.none() }));
    const settings = { ...testSettings('prometheus_remote_write', 'exporter'), meter: otelMetrics.getMeter('bench') };
    const exporter = factory.createExporter(settings, factory.configSchema.parse({ endpoint: prom.writeUrl }), ['metrics']);
    await exporter.start(testHost());
    const start = process.cpuUsage();
    const wallStart = performance.now();
    for (const b of data) await exporter.consume(b);
    await exporter.shutdown(); // drains the queue
    const cpu = process.cpuUsage(start);
    const wallSeconds = (performance.now() - wallStart) / 1000;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const samples = batches * (SERIES_PER_BATCH + 1); // + target_info per batch
    const stored = await prom.query(`count(count_over_time(http_server_requests_total[5m]))`, (base + batches * 10) / 1000 + 1);
    return {
      samples,
      series_stored: Number(stored[0]?.value?.[1] ?? 0),
      wall_seconds: +wallSeconds.toFixed(2),
      exporter_cpu_seconds: +cpuSeconds.toFixed(2),
      samples_per_second: Math.round(samples / wallSeconds),
      samples_per_cpu_second: Math.round(samples / cpuSeconds),
    };
  } finally {
    await prom.stop();
  }
}

const encode = encodeFigures();
const exported = await exportFigures();
report('prw-encode', {
  target_samples_per_cpu_second: 1_000_000,
  encode,
  export_to_prometheus: exported,
  ...selfUsage(),
});
