// The collector's own telemetry, as otelcol provides it: metrics through the OpenTelemetry
// SDK (Prometheus text on localhost:8888 by default, or pushed over OTLP) and JSON logs.
import { randomUUID } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter as OtlpGrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as OtlpHttpMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { pino, type Logger } from 'pino';
import { splitEndpoint } from '../config/types.ts';
import type { ReaderConfig, TelemetryConfig } from './config.ts';

export interface BuildInfo {
  command: string;
  version: string;
}

export interface Telemetry {
  logger: Logger;
  meterProvider: MeterProvider;
  meter(scope: string): Meter;
  level: TelemetryConfig['metrics']['level'];
  shutdown(): Promise<void>;
}

export function createLogger(level: string = 'info'): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
}

function readersFor(config: TelemetryConfig, logger: Logger): MetricReader[] {
  const { metrics } = config;
  if (metrics.level === 'none') return [];
  let readers: ReaderConfig[] = metrics.readers ?? [];
  if (!metrics.readers) {
    const { host, port } = metrics.address ? splitEndpoint(metrics.address) : { host: 'localhost', port: 8888 };
    readers = [{ pull: { exporter: { prometheus: { host, port } } } }];
  }
  return readers.map((r) => {
    if ('pull' in r) {
      const p = r.pull.exporter.prometheus;
      const exporter = new PrometheusExporter({
        host: p.host,
        port: p.port,
        withResourceConstantLabels: /^service\./,
        withoutScopeInfo: p.without_scope_info ?? true,
      }, (err) => {
        if (err) logger.error({ err: err.message }, 'internal telemetry: cannot serve Prometheus metrics');
      });
      return exporter;
    }
    const o = r.periodic.exporter.otlp;
    const headers = Array.isArray(o.headers) ? Object.fromEntries(o.headers.map((h) => [h.name, h.value])) : o.headers;
    const url = /^https?:\/\//.test(o.endpoint) ? o.endpoint : `${o.insecure ? 'http' : 'https'}://${o.endpoint}`;
    const exporter =
      o.protocol === 'grpc'
        ? new OtlpGrpcMetricExporter({ url, headers })
        : new OtlpHttpMetricExporter({ url: url.endsWith('/v1/metrics') ? url : `${url.replace(/\/$/, '')}/v1/metrics`, headers });
    return new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: r.periodic.interval, exportTimeoutMillis: Math.min(r.periodic.timeout, r.periodic.interval) });
  });
}

export function createTelemetry(config: TelemetryConfig, build: BuildInfo): Telemetry {
  const logger = createLogger(config.logs.level);
  const resourceAttributes: Record<string, string> = {
    'service.name': build.command,
    'service.version': build.version,
    'service.instance.id': randomUUID(),
  };
  for (const [k, v] of Object.entries(config.resource)) {
    if (v === null) delete resourceAttributes[k];
    else resourceAttributes[k] = v;
  }
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes(resourceAttributes),
    readers: readersFor(config, logger),
  });
  registerProcessMetrics(meterProvider.getMeter('flowtel/process'));
  return {
    logger,
    meterProvider,
    meter: (scope) => meterProvider.getMeter(scope),
    level: config.metrics.level,
    shutdown: async () => {
      await meterProvider.shutdown().catch(() => {});
      logger.flush();
    },
  };
}

const started = Date.now();

function registerProcessMetrics(meter: Meter): void {
  meter
    .createObservableCounter('otelcol_process_uptime', { description: 'Uptime of the process', unit: 's' })
    .addCallback((r) => r.observe((Date.now() - started) / 1000));
  meter
    .createObservableGauge('otelcol_process_memory_rss', { description: 'Total physical memory (resident set size)', unit: 'By' })
    .addCallback((r) => r.observe(process.memoryUsage.rss()));
  meter
    .createObservableCounter('otelcol_process_cpu_seconds', { description: 'Total CPU user and system time in seconds', unit: 's' })
    .addCallback((r) => {
      const { user, system } = process.cpuUsage();
      r.observe((user + system) / 1e6);
    });
  meter
    .createObservableGauge('otelcol_process_runtime_heap_alloc_bytes', { description: 'Bytes of allocated heap objects', unit: 'By' })
    .addCallback((r) => r.observe(process.memoryUsage().heapUsed));
  meter
    .createObservableGauge('otelcol_process_runtime_total_sys_memory_bytes', { description: 'Total bytes of memory obtained from the OS', unit: 'By' })
    .addCallback((r) => r.observe(process.memoryUsage().heapTotal + process.memoryUsage().external));
}
