// The otlp benchmarks' set-up: a counting OTLP/gRPC sink in this process, flowtel as a child
// process running a config, and the load generator (bench/lib/otlp-load.ts) as another child.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import {
  Server,
  ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { decodeTraces, spanCount } from '@flowtel/pdata';
import { startBundleOn } from './bundle.ts';
import { usageFigures, type Measured } from './report.ts';
import { exportMethod } from '@flowtel/otlp';
import { freePort, waitForPort, type RunningCollector } from '@flowtel/testkit';

export interface Sink {
  port: number;
  spans: number;
  requests: number;
  stop(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  const server = new Server({ 'grpc.max_receive_message_length': -1 });
  const sink: Sink = { port: 0, spans: 0, requests: 0, stop: () => new Promise((r) => server.tryShutdown(() => r())) };
  server.addService({ Export: exportMethod('traces') } as ServiceDefinition, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, cb: sendUnaryData<Uint8Array>) => {
      sink.spans += spanCount(decodeTraces(call.request));
      sink.requests++;
      cb(null, new Uint8Array());
    },
  });
  sink.port = await new Promise<number>((res, rej) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );
  return sink;
}

/**
 * flowtel: otlp/grpc in → batch → otlp_grpc out to the sink (one exporter per sink when given
 * several: `otlp/0`, `otlp/1`, ...), pinned to `cpus` when given.
 */
export async function startFlowtel(
  sinkPort: number | number[],
  opts: { cpus?: string; batch?: boolean } = {},
): Promise<{ collector: RunningCollector; pid: number; port: number }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const sinks = Array.isArray(sinkPort) ? sinkPort : [sinkPort];
  const ids = sinks.length === 1 ? ['otlp'] : sinks.map((_, i) => `otlp/${i}`);
  const yaml = `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:${port}"}
processors:
  batch: {}
exporters:
${sinks.map((p, i) => `  ${ids[i]}:\n    endpoint: "127.0.0.1:${p}"\n    tls: {insecure: true}`).join('\n')}
service:
  telemetry:
    logs: {level: warn}
    metrics: {address: "127.0.0.1:${metricsPort}"}
  pipelines:
    traces: {receivers: [otlp], processors: [${opts.batch === false ? '' : 'batch'}], exporters: [${ids.join(', ')}]}
`;
  const collector = startBundleOn(yaml);
  // every thread, including the ones node starts later, inherits the main thread's affinity
  if (opts.cpus)
    execFileSync('taskset', ['-a', '-p', '-c', opts.cpus, String(collector.process.pid)], { stdio: 'ignore' });
  await waitForPort(port, '127.0.0.1', 60_000);
  return { collector, pid: collector.process.pid!, port };
}

export interface LoadResult {
  sent_requests: number;
  accepted_spans: number;
  refused_calls: number;
  failed_calls: number;
  errors: Record<string, number>;
  elapsed_seconds: number;
}

/** Runs the load generator to completion in its own process (pinned to `cpus` when given). */
export function runLoad(
  options: { target: string; spansPerRequest: number; seconds: number; rate: number; concurrency: number },
  cpus?: string,
): Promise<LoadResult> {
  const args = ['--import', 'tsx', join(import.meta.dirname, 'otlp-load.ts'), JSON.stringify(options)];
  const child: ChildProcess = cpus
    ? spawn('taskset', ['-c', cpus, process.execPath, ...args])
    : spawn(process.execPath, args);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) reject(new Error(`load generator failed (${code}): ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as LoadResult);
    }),
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the sink has `expected` spans or stops growing for `quietMs`. */
export async function drain(sink: Sink, expected: number, quietMs = 3000): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  while (sink.spans < expected && Date.now() - lastChange < quietMs) {
    if (sink.spans !== last) ((last = sink.spans), (lastChange = Date.now()));
    await sleep(50);
  }
}

/** The figures both otlp benchmarks report about one load run. */
export function loadFigures(load: LoadResult, received: number, before: Measured, after: Measured) {
  const usage = usageFigures(before, after, load.elapsed_seconds);
  return {
    accepted_spans: load.accepted_spans,
    received_spans: received,
    lost_spans: load.accepted_spans - received,
    refused_calls: load.refused_calls,
    failed_calls: load.failed_calls,
    flowtel_cpu_percent_of_one_core: usage.cpu_percent_of_one_core,
    cpu_seconds: usage.cpu_seconds,
    peak_rss_mib: usage.peak_rss_mib,
    machine_load_1m: usage.machine_load_1m,
  };
}
