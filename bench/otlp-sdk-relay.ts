// Issue 14's "done when": an app instrumented with the OpenTelemetry JS SDK (its defaults:
// BatchSpanProcessor, OTLP exporter) ending 10,000 spans/s, exporting over OTLP/gRPC,
// HTTP/protobuf and HTTP/JSON in turn, through a relay flowtel `otlp -> batch -> otlp_grpc`
// to a second flowtel. Figures per protocol: spans created / exported by the SDK / received by
// the second flowtel (every span must arrive), the relay's CPU as % of one core over the
// measured window and its peak RSS (targets: <= 10%, <= 100 MiB), and the SDK's export()
// latency p50/p99. The SDK, the relay and the second flowtel are three processes.
// The same is measured with the relay batching in the exporter's queue instead
// (`otlp -> otlp_grpc{sending_queue::batch}`), the path current otelcol recommends, and, as a
// control, with the SDK exporting to a sink in this process that answers without reading the
// data: what the SDK drops there is the SDK and the machine, not flowtel.
//   BENCH_SECONDS (default 30) measured seconds after a 5 s warm-up; BENCH_PROTOCOLS=grpc,...;
//   BENCH_RELAYS=control,batch_processor,sending_queue_batch (all by default)
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { exportMethod } from '@flowtel/otlp';
import { freePort } from '@flowtel/testkit';
import { RELAYS, relayConfig, startFlowtel, type Flowtel } from './lib/relay.ts';
import { sleep } from './lib/otlp-rig.ts';
import { processUsage, report, usageFigures, type Measured } from './lib/report.ts';
import type { SdkLoadOptions, SdkLoadResult } from './lib/sdk-load.ts';

const RATE = 10_000;
const WARMUP_SECONDS = 5;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const PROTOCOLS = (process.env.BENCH_PROTOCOLS ?? 'grpc,http/protobuf,http/json').split(
  ',',
) as SdkLoadOptions['protocol'][];
const RELAY_NAMES = (process.env.BENCH_RELAYS ?? ['control', ...Object.keys(RELAYS)].join(',')).split(',');

/** The sum of a counter over its series, from a flowtel's Prometheus endpoint. */
async function counter(f: Flowtel, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${f.metricsPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** Runs the SDK process; samples the relay's usage when its measured window opens and closes. */
function runSdk(
  options: SdkLoadOptions,
  relayPid: number,
): Promise<{ load: SdkLoadResult; before: Measured; after: Measured }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'lib', 'sdk-load.ts'), JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let before: Promise<Measured> | undefined;
  let after: Promise<Measured> | undefined;
  let last = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line === '{"phase":"measure"}') before = processUsage(relayPid);
    else if (line === '{"phase":"end"}') after = processUsage(relayPid);
    else if (line.startsWith('{')) last = line;
  });
  return new Promise((resolve, reject) =>
    child.on('exit', async (code) => {
      if (code !== 0 || !last || !before || !after)
        return reject(new Error(`sdk load failed (${code}): ${err.slice(-2000)}`));
      resolve({ load: JSON.parse(last) as SdkLoadResult, before: await before, after: await after });
    }),
  );
}

const backendPort = await freePort();
const backend = await startFlowtel(
  'backend',
  `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:${backendPort}"}
exporters:
  debug: {verbosity: basic}
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [debug]}`,
  [backendPort],
);

/** The control's sinks: OTLP/gRPC and OTLP/HTTP that answer success without reading the data. */
async function startNullSinks(): Promise<{ grpcPort: number; httpPort: number; stop(): Promise<void> }> {
  const grpc = new Server();
  grpc.addService({ Export: exportMethod('traces') } as ServiceDefinition, {
    Export: (_call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Uint8Array>) => cb(null, new Uint8Array()),
  });
  const grpcPort = await new Promise<number>((res, rej) =>
    grpc.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  const http = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const json = req.headers['content-type']?.includes('json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    grpcPort,
    httpPort: (http.address() as AddressInfo).port,
    stop: async () => {
      http.close();
      await new Promise<void>((r) => grpc.tryShutdown(() => r()));
    },
  };
}

async function runControl(protocol: SdkLoadOptions['protocol']) {
  const sinks = await startNullSinks();
  try {
    const endpoint = `127.0.0.1:${protocol === 'grpc' ? sinks.grpcPort : sinks.httpPort}`;
    const { load } = await runSdk(
      { protocol, endpoint, rate: RATE, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS },
      process.pid,
    );
    return {
      created_spans: load.created_spans,
      sdk_exported_spans: load.exported_spans,
      sdk_dropped_spans: load.created_spans - load.exported_spans - load.failed_spans,
      export_latency_ms: load.export_latency_ms,
      sdk_cpu_percent_of_one_core: load.sdk_cpu_percent_of_one_core,
      machine_load_1m: Math.round(loadavg()[0] * 10) / 10,
    };
  } finally {
    await sinks.stop();
  }
}

const results: Record<string, unknown> = {};
try {
  for (const relayName of RELAY_NAMES)
    for (const protocol of PROTOCOLS) {
      if (relayName === 'control') {
        results[`control ${protocol}`] = await runControl(protocol);
        process.stderr.write(
          `[otlp-sdk-relay] control ${protocol}: ${JSON.stringify(results[`control ${protocol}`])}\n`,
        );
        continue;
      }
      const path = RELAYS[relayName];
      const [grpcPort, httpPort] = [await freePort(), await freePort()];
      const relay = await startFlowtel(
        'relay',
        relayConfig({ grpc: grpcPort, http: httpPort, backend: backendPort }, path),
        [grpcPort, httpPort],
      );
      try {
        const receivedBefore = await counter(backend, 'otelcol_receiver_accepted_spans_total');
        const endpoint = `127.0.0.1:${protocol === 'grpc' ? grpcPort : httpPort}`;
        const { load, before, after } = await runSdk(
          { protocol, endpoint, rate: RATE, warmupSeconds: WARMUP_SECONDS, seconds: SECONDS },
          relay.pid,
        );
        // the relay's batch and queue hand on what they hold within their timeouts
        let received = 0;
        for (let last = -1, quietSince = Date.now(); Date.now() - quietSince < 3000; await sleep(200)) {
          received = (await counter(backend, 'otelcol_receiver_accepted_spans_total')) - receivedBefore;
          if (received >= load.created_spans) break;
          if (received !== last) ((last = received), (quietSince = Date.now()));
        }
        // CPU over the measured window; the peak RSS once the relay has handed everything on
        const peak = (await processUsage(relay.pid)).peak_rss_mib;
        const usage = usageFigures(before, { ...after, peak_rss_mib: peak }, load.elapsed_seconds);
        const key = `${relayName} ${protocol}`;
        results[key] = {
          created_spans: load.created_spans,
          sdk_exported_spans: load.exported_spans,
          sdk_failed_spans: load.failed_spans,
          sdk_dropped_spans: load.created_spans - load.exported_spans - load.failed_spans,
          received_spans: received,
          lost_spans: load.created_spans - received,
          export_calls: load.export_calls,
          failed_calls: load.failed_calls,
          errors: load.errors,
          export_latency_ms: load.export_latency_ms,
          sdk_cpu_percent_of_one_core: load.sdk_cpu_percent_of_one_core,
          relay_cpu_percent_of_one_core: usage.cpu_percent_of_one_core,
          cpu_seconds: usage.cpu_seconds,
          peak_rss_mib: usage.peak_rss_mib,
          machine_load_1m: usage.machine_load_1m,
        };
        process.stderr.write(`[otlp-sdk-relay] ${key}: ${JSON.stringify(results[key])}\n`);
      } finally {
        await relay.collector.stop();
      }
    }
} finally {
  await backend.collector.stop();
}

report('otlp-sdk-relay', {
  target_spans_per_second: RATE,
  seconds: SECONDS,
  pipelines: {
    control: 'SDK -> a sink that answers without reading (no flowtel)',
    batch_processor: 'otlp -> batch -> otlp_grpc -> second flowtel',
    sending_queue_batch: 'otlp -> otlp_grpc (sending_queue: {batch: {}}) -> second flowtel',
  },
  ...results,
  targets: { cpu_percent: 10, peak_rss_mib: 100, lost_spans: 0 },
});
