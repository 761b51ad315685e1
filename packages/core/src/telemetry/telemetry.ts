// The collector's own telemetry, as otelcol provides it: metrics through the OpenTelemetry
// SDK (Prometheus text on localhost:8888 by default, or pushed over OTLP) and JSON logs.
import { randomUUID } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPMetricExporter as OtlpGrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as OtlpJsonMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import { OTLPLogExporter as OtlpGrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as OtlpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { pino, type DestinationStream, type Logger } from 'pino';
import { splitEndpoint } from '../config/types.ts';
import type { OtlpTelemetryExporterConfig, ReaderConfig, TelemetryConfig } from './config.ts';

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
  return pino(
    { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 2, sync: true }),
  );
}

type LogsConfig = TelemetryConfig['logs'];

/** zap's console encoding: time, level, message, then the other fields as JSON, tab-separated. */
function consoleLine(line: string): string {
  try {
    const { time, level, msg, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const fields = Object.keys(rest).length ? `\t${JSON.stringify(rest)}` : '';
    return `${String(time)}\t${pino.levels.labels[level as number] ?? String(level)}\t${String(msg ?? '')}${fields}\n`;
  } catch {
    return line;
  }
}

/** The streams `output_paths` names: stderr, stdout or files (appended to, as zap does). */
function outputStreams(logs: LogsConfig): DestinationStream[] {
  return logs.output_paths.map((path) => {
    const fd = path === 'stderr' ? 2 : path === 'stdout' ? 1 : undefined;
    const dest = pino.destination(
      fd !== undefined ? { dest: fd, sync: true } : { dest: path, sync: true, append: true, mkdir: true },
    );
    return logs.encoding === 'console' ? { write: (line: string) => dest.write(consoleLine(line)) } : dest;
  });
}

/**
 * zap's sampler: per level and message, the first `initial` entries of each `tick` are
 * logged, then every `thereafter`th (0: none).
 */
function sampler(sampling: NonNullable<LogsConfig['sampling']>): (level: number, msg: string) => boolean {
  let tickStart = Date.now();
  const counts = new Map<string, number>();
  return (level, msg) => {
    const now = Date.now();
    if (now - tickStart >= sampling.tick) {
      tickStart = now;
      counts.clear();
    }
    const key = `${level}\u0000${msg}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n <= sampling.initial) return true;
    return sampling.thereafter > 0 && (n - sampling.initial) % sampling.thereafter === 0;
  };
}

function otlpUrl(o: OtlpTelemetryExporterConfig, path: string): string {
  const url = /^https?:\/\//.test(o.endpoint) ? o.endpoint : `${o.insecure ? 'http' : 'https'}://${o.endpoint}`;
  if (o.protocol === 'grpc') return url;
  return url.endsWith(path) ? url : `${url.replace(/\/$/, '')}${path}`;
}

const compression = (o: OtlpTelemetryExporterConfig) =>
  o.compression === 'gzip' ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;

/** `logs::processors`: the collector's own log records also go out over OTLP. */
function logRecordProcessors(logs: LogsConfig): LogRecordProcessor[] {
  return logs.processors.map((p) => {
    const o = 'batch' in p ? p.batch.exporter.otlp : p.simple.exporter.otlp;
    const options = {
      url: otlpUrl(o, '/v1/logs'),
      headers: o.headers,
      compression: compression(o),
      timeoutMillis: o.timeout,
    };
    const exporter =
      o.protocol === 'grpc'
        ? new OtlpGrpcLogExporter(options)
        : o.protocol === 'http/json'
          ? new OtlpJsonLogExporter(options)
          : new OtlpProtoLogExporter(options);
    if ('simple' in p) return new SimpleLogRecordProcessor({ exporter });
    const b = p.batch;
    return new BatchLogRecordProcessor({
      exporter,
      scheduledDelayMillis: b.schedule_delay,
      exportTimeoutMillis: b.export_timeout,
      maxQueueSize: b.max_queue_size,
      maxExportBatchSize: b.max_export_batch_size,
    });
  });
}

const SEVERITY: Record<string, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** A pino stream that hands each JSON line to an OpenTelemetry logger as a log record. */
function otelLogStream(provider: LoggerProvider): DestinationStream {
  const otel = provider.getLogger('flowtel');
  return {
    write(line: string) {
      try {
        const { time, level, msg, ...attributes } = JSON.parse(line) as Record<string, unknown>;
        const text = pino.levels.labels[level as number] ?? 'info';
        otel.emit({
          timestamp: typeof time === 'string' ? new Date(time) : undefined,
          severityText: text.toUpperCase(),
          severityNumber: SEVERITY[text],
          body: String(msg ?? ''),
          attributes: attributes as LogAttributes,
        });
      } catch {
        // a line that is not JSON came from somewhere else; it is already on the other outputs
      }
    },
  };
}

/** The collector's logger as `service::telemetry::logs` asks for it. */
function configuredLogger(logs: LogsConfig, resource: Resource): { logger: Logger; provider?: LoggerProvider } {
  const processors = logRecordProcessors(logs);
  const provider = processors.length ? new LoggerProvider({ resource, processors }) : undefined;
  const streams = [...outputStreams(logs), ...(provider ? [otelLogStream(provider)] : [])];
  const sample = logs.sampling?.enabled ? sampler(logs.sampling) : undefined;
  const logger = pino(
    {
      level: logs.level,
      base: Object.keys(logs.initial_fields).length ? logs.initial_fields : undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(sample && {
        hooks: {
          logMethod(args, method, level) {
            const msg = typeof args[0] === 'string' ? args[0] : typeof args[1] === 'string' ? args[1] : '';
            if (sample(level, msg)) method.apply(this, args);
          },
        },
      }),
    },
    streams.length === 1
      ? streams[0]
      : pino.multistream(streams.map((stream) => ({ stream, level: 'trace' as const }))),
  );
  return { logger, provider };
}

/** `with_resource_constant_labels`: the resource attributes included and not excluded, as one pattern. */
function constantLabels(labels: { included: string[]; excluded: string[] } | undefined): RegExp {
  if (!labels) return /^service\./;
  const names = labels.included.filter((n) => !labels.excluded.includes(n));
  if (names.length === 0) return /(?!)/;
  return new RegExp(`^(?:${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
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
      const exporter = new PrometheusExporter(
        {
          host: p.host,
          port: p.port,
          withResourceConstantLabels: constantLabels(p.with_resource_constant_labels),
          withoutScopeInfo: p.without_scope_info ?? true,
        },
        (err) => {
          if (err) logger.error({ err: err.message }, 'internal telemetry: cannot serve Prometheus metrics');
        },
      );
      return exporter;
    }
    const o = r.periodic.exporter.otlp;
    const options = {
      url: otlpUrl(o, '/v1/metrics'),
      headers: o.headers,
      compression: compression(o),
      timeoutMillis: o.timeout,
      temporalityPreference: o.temporality_preference && TEMPORALITY[o.temporality_preference],
    };
    const exporter =
      o.protocol === 'grpc'
        ? new OtlpGrpcMetricExporter(options)
        : o.protocol === 'http/json'
          ? new OtlpJsonMetricExporter(options)
          : new OtlpProtoMetricExporter(options);
    return new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: r.periodic.interval,
      exportTimeoutMillis: Math.min(r.periodic.timeout, r.periodic.interval),
    });
  });
}

const TEMPORALITY = {
  cumulative: AggregationTemporalityPreference.CUMULATIVE,
  delta: AggregationTemporalityPreference.DELTA,
  low_memory: AggregationTemporalityPreference.LOWMEMORY,
};

export function createTelemetry(config: TelemetryConfig, build: BuildInfo): Telemetry {
  const resourceAttributes: Record<string, string> = {
    'service.name': build.command,
    'service.version': build.version,
    'service.instance.id': randomUUID(),
  };
  for (const [k, v] of Object.entries(config.resource)) {
    if (v === null) delete resourceAttributes[k];
    else resourceAttributes[k] = v;
  }
  const resource = resourceFromAttributes(resourceAttributes);
  const { logger, provider: loggerProvider } = configuredLogger(config.logs, resource);
  const meterProvider = new MeterProvider({ resource, readers: readersFor(config, logger) });
  registerProcessMetrics(meterProvider.getMeter('flowtel/process'));
  return {
    logger,
    meterProvider,
    meter: (scope) => meterProvider.getMeter(scope),
    level: config.metrics.level,
    shutdown: async () => {
      await meterProvider.shutdown().catch(() => {});
      logger.flush();
      await loggerProvider?.shutdown().catch(() => {});
    },
  };
}

const started = Date.now();

function registerProcessMetrics(meter: Meter): void {
  meter
    .createObservableCounter('otelcol_process_uptime', { description: 'Uptime of the process', unit: 's' })
    .addCallback((r) => r.observe((Date.now() - started) / 1000));
  meter
    .createObservableGauge('otelcol_process_memory_rss', {
      description: 'Total physical memory (resident set size)',
      unit: 'By',
    })
    .addCallback((r) => r.observe(process.memoryUsage.rss()));
  meter
    .createObservableCounter('otelcol_process_cpu_seconds', {
      description: 'Total CPU user and system time in seconds',
      unit: 's',
    })
    .addCallback((r) => {
      const { user, system } = process.cpuUsage();
      r.observe((user + system) / 1e6);
    });
  meter
    .createObservableGauge('otelcol_process_runtime_heap_alloc_bytes', {
      description: 'Bytes of allocated heap objects',
      unit: 'By',
    })
    .addCallback((r) => r.observe(process.memoryUsage().heapUsed));
  meter
    .createObservableGauge('otelcol_process_runtime_total_sys_memory_bytes', {
      description: 'Total bytes of memory obtained from the OS',
      unit: 'By',
    })
    .addCallback((r) => r.observe(process.memoryUsage().heapTotal + process.memoryUsage().external));
}
