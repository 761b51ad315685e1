// prometheus_remote_write throughput: samples per CPU second for WriteRequest encoding with
// each compressor (the exporter's label-aware snappy, the native `snappy` package, the pure-JS
// `snappyjs`), the whole path from pdata (translate + encode + compress), and exported into a
// real Prometheus: the flowtel CLI fed OTLP/HTTP by a load generator in its own process.
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { freePort, Prometheus, prometheusBinary, startCollector, waitFor, waitForPort } from '@flowtel/testkit';
import { factory } from '../exporters/prometheus_remote_write/src/index.ts';
import { pureJsSnappy, snappyCodec } from '../exporters/prometheus_remote_write/src/compress.ts';
import { Translator } from '@flowtel/prometheus';
import { translateSettings } from '../exporters/prometheus_remote_write/src/prometheus_remote_write.ts';
import { WriteRequestEncoder } from '../exporters/prometheus_remote_write/src/write-request.ts';
import { loadMetrics, type PrwLoadOptions } from './lib/prw-load.ts';
import { processUsage, report, selfUsage } from './lib/report.ts';

const SERIES_PER_BATCH = 2_000;
const PHASE_SECONDS = 3;
const MAX_BATCH_BYTES = 3_000_000;

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
  return {
    samples,
    samples_per_cpu_second: Math.round(samples / cpuSeconds),
    samples_per_second: Math.round(samples / wallSeconds),
  };
}

function encodeFigures() {
  const translator = new Translator(translateSettings(config));
  const batch = loadMetrics(0, 0, SERIES_PER_BATCH, Date.now());
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
  figures.translate_encode_compress = measure(samples, () =>
    exporterEncoder.encode(translator.translate(batch).series),
  );
  return figures;
}

/** flowtel (otlp receiver → prometheusremotewrite) as a child process, fed by the load generator, into Prometheus. */
async function exportFigures(): Promise<Record<string, unknown>> {
  if (!prometheusBinary()) return { skipped: 'prometheus is not installed' };
  const prom = await Prometheus.start();
  const port = await freePort();
  const collector = startCollector(`receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  prometheusremotewrite:
    endpoint: ${prom.writeUrl}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    metrics:
      receivers: [otlp]
      exporters: [prometheusremotewrite]
`);
  try {
    await waitForPort(port, '127.0.0.1', 60_000);
    const pid = collector.process.pid!;
    const load: PrwLoadOptions = {
      url: `http://127.0.0.1:${port}/v1/metrics`,
      streams: 4,
      requestsPerStream: 40,
      pointsPerRequest: SERIES_PER_BATCH,
      startMs: Date.now() - 120_000,
    };
    const expected = load.streams * load.requestsPerStream * load.pointsPerRequest;
    const before = await processUsage(pid);
    const started = performance.now();
    const sent = await runLoadGenerator(load);
    // every sample of the counter, counted by Prometheus itself
    const end = (load.startMs + load.requestsPerStream * 10) / 1000 + 1;
    const stored = await waitFor(
      `all ${expected} samples in Prometheus`,
      async () => {
        const r = await prom.query('sum(count_over_time(http_server_requests_total[10m]))', end);
        const n = Number(r[0]?.value?.[1] ?? 0);
        return n >= expected ? n : undefined;
      },
      120_000,
      200,
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const after = await processUsage(pid);
    const cpuSeconds = after.cpu_seconds - before.cpu_seconds;
    // target_info adds one sample per request
    const samples = expected + load.streams * load.requestsPerStream;
    return {
      path: 'OTLP/HTTP protobuf → flowtel (otlp receiver, prometheusremotewrite) → Prometheus 2.42',
      samples,
      samples_stored: stored,
      load_seconds: +sent.seconds.toFixed(2),
      wall_seconds: +wallSeconds.toFixed(2),
      flowtel_cpu_seconds: +cpuSeconds.toFixed(2),
      flowtel_peak_rss_mib: +after.peak_rss_mib.toFixed(1),
      samples_per_second: Math.round(samples / wallSeconds),
      samples_per_flowtel_cpu_second: Math.round(samples / cpuSeconds),
    };
  } finally {
    await collector.stop();
    await prom.stop();
  }
}

function runLoadGenerator(options: PrwLoadOptions): Promise<{ points: number; seconds: number }> {
  const child = spawn(process.execPath, [
    '--import',
    'tsx',
    join(import.meta.dirname, 'lib', 'prw-load.ts'),
    JSON.stringify(options),
  ]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) reject(new Error(`load generator failed (${code}): ${err.slice(-2000)}`));
      else resolve(JSON.parse(line));
    }),
  );
}

const encode = encodeFigures();
const exported = await exportFigures();
report('prw-encode', {
  target_samples_per_cpu_second: 1_000_000,
  // CPU seconds stretch when other work shares the cores: read the figures with this beside them
  load_average_1m: +loadavg()[0].toFixed(2),
  encode,
  export_to_prometheus: exported,
  ...selfUsage(),
});
