// The relay of otlp-sdk-relay (`otlp -> batch -> otlp_grpc` to a backend) and a flowtel started
// with its metrics on a port of its own, for the benchmarks that measure that relay.
import { freePort, waitForPort, type RunningCollector } from '@flowtel/testkit';
import { startBundleOn } from './bundle.ts';

/** the relay's pipeline after its receiver */
export const RELAYS: Record<string, { processors: string; exporter: string }> = {
  batch_processor: { processors: '[batch]', exporter: '' },
  sending_queue_batch: { processors: '[]', exporter: '\n    sending_queue: {batch: {}}' },
};

/** The relay's config up to `service:` (startFlowtel adds its telemetry). */
export function relayConfig(
  ports: { grpc: number; http: number; backend: number },
  path = RELAYS.batch_processor,
): string {
  return `
receivers:
  otlp:
    protocols:
      grpc: {endpoint: "127.0.0.1:${ports.grpc}"}
      http: {endpoint: "127.0.0.1:${ports.http}"}
processors:
  batch: {}
exporters:
  otlp_grpc:
    endpoint: "127.0.0.1:${ports.backend}"
    tls: {insecure: true}${path.exporter}
service:
  pipelines:
    traces: {receivers: [otlp], processors: ${path.processors}, exporters: [otlp_grpc]}`;
}

export interface Flowtel {
  collector: RunningCollector;
  pid: number;
  metricsPort: number;
}

/** Starts the bundle on `body` (a config ending in its `service:` section); waits for its ports. */
export async function startFlowtel(name: string, body: string, waitPorts: number[]): Promise<Flowtel> {
  const metricsPort = await freePort();
  const yaml = `${body}
  telemetry:
    logs: {level: warn}
    metrics:
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: ${metricsPort}}}}
`;
  const collector = startBundleOn(yaml, name);
  for (const port of [...waitPorts, metricsPort]) await waitForPort(port, '127.0.0.1', 60_000);
  return { collector, pid: collector.process.pid!, metricsPort };
}
