// The collector's own telemetry, as otelcol provides it: metrics through the OpenTelemetry
// SDK (Prometheus text on localhost:8888 by default, or pushed over OTLP) and JSON logs.
import { randomUUID } from 'node:crypto';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import type { OTLPExporterNodeConfigBase } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import {
  AggregationType,
  type AggregationOption,
  createAllowListAttributesProcessor,
  createDenyListAttributesProcessor,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricReader,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import { pino, type DestinationStream, type Logger } from 'pino';
import { splitEndpoint } from '../config/types.ts';
import type { OtlpTelemetryExporterConfig, ReaderConfig, TelemetryConfig, ViewConfig } from './config.ts';

export interface BuildInfo {
  command: string;
  version: string;
  description?: string;
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

// The OTLP exporters' packages (with protobufjs, ~13 MB of RSS) are imported only when a config
// pushes the collector's own telemetry over OTLP, in the protocol it names.
function otlpOptions(o: OtlpTelemetryExporterConfig, path: string): OTLPExporterNodeConfigBase {
  return {
    url: otlpUrl(o, path),
    headers: o.headers,
    // CompressionAlgorithm's values
    compression: (o.compression === 'gzip' ? 'gzip' : 'none') as OTLPExporterNodeConfigBase['compression'],
    timeoutMillis: o.timeout,
  };
}

async function otlpLogExporter(o: OtlpTelemetryExporterConfig) {
  const options = otlpOptions(o, '/v1/logs');
  if (o.protocol === 'grpc')
    return new (await import('@opentelemetry/exporter-logs-otlp-grpc')).OTLPLogExporter(options);
  if (o.protocol === 'http/json')
    return new (await import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter(options);
  return new (await import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter(options);
}

async function otlpMetricExporter(o: Extract<ReaderConfig, { periodic: unknown }>['periodic']['exporter']['otlp']) {
  const { AggregationTemporalityPreference: T, OTLPMetricExporter: OtlpJson } =
    await import('@opentelemetry/exporter-metrics-otlp-http');
  const temporality = { cumulative: T.CUMULATIVE, delta: T.DELTA, low_memory: T.LOWMEMORY };
  const options = {
    ...otlpOptions(o, '/v1/metrics'),
    temporalityPreference: o.temporality_preference && temporality[o.temporality_preference],
  };
  if (o.protocol === 'grpc')
    return new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter(options);
  if (o.protocol === 'http/json') return new OtlpJson(options);
  return new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter(options);
}

/** `logs::processors`: the collector's own log records also go out over OTLP. */
async function logRecordProcessors(logs: LogsConfig): Promise<LogRecordProcessor[]> {
  const processors = logs.processors.map(async (p) => {
    const exporter = await otlpLogExporter('batch' in p ? p.batch.exporter.otlp : p.simple.exporter.otlp);
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
  return Promise.all(processors);
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
async function configuredLogger(
  logs: LogsConfig,
  resource: Resource,
): Promise<{ logger: Logger; provider?: LoggerProvider }> {
  const processors = await logRecordProcessors(logs);
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

async function readersFor(config: TelemetryConfig, logger: Logger): Promise<MetricReader[]> {
  const { metrics } = config;
  if (metrics.level === 'none') return [];
  let readers: ReaderConfig[] = metrics.readers ?? [];
  if (!metrics.readers) {
    const { host, port } = metrics.address ? splitEndpoint(metrics.address) : { host: 'localhost', port: 8888 };
    readers = [{ pull: { exporter: { prometheus: { host, port } } } }];
  }
  const made = readers.map(async (r) => {
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
    return new PeriodicExportingMetricReader({
      exporter: await otlpMetricExporter(r.periodic.exporter.otlp),
      exportIntervalMillis: r.periodic.interval,
      exportTimeoutMillis: Math.min(r.periodic.timeout, r.periodic.interval),
    });
  });
  return Promise.all(made);
}

/** an otelconf aggregation as the SDK's (the first key set; none is the instrument's default) */
function aggregationOption(a: NonNullable<ViewConfig['stream']['aggregation']>): AggregationOption | undefined {
  if (a.drop !== undefined) return { type: AggregationType.DROP };
  if (a.sum !== undefined) return { type: AggregationType.SUM };
  if (a.last_value !== undefined) return { type: AggregationType.LAST_VALUE };
  if (a.explicit_bucket_histogram) {
    const { boundaries, record_min_max: recordMinMax } = a.explicit_bucket_histogram;
    return {
      type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
      // otelconf's default boundaries are the SDK's: left to it when none are given
      options: boundaries ? { boundaries, recordMinMax } : undefined,
    };
  }
  if (a.base2_exponential_bucket_histogram) {
    const { max_size: maxSize, record_min_max: recordMinMax } = a.base2_exponential_bucket_histogram;
    return { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize, recordMinMax } };
  }
  return a.default !== undefined ? { type: AggregationType.DEFAULT } : undefined;
}

/** service::telemetry::metrics::views as the SDK's views: a selector of instruments, the stream they make */
function viewOptions({ selector, stream }: ViewConfig): ViewOptions {
  const keys = stream.attribute_keys;
  return {
    instrumentName: selector.instrument_name,
    instrumentType: selector.instrument_type
      ? InstrumentType[selector.instrument_type.toUpperCase() as keyof typeof InstrumentType]
      : undefined,
    instrumentUnit: selector.unit,
    meterName: selector.meter_name,
    meterVersion: selector.meter_version,
    meterSchemaUrl: selector.meter_schema_url,
    name: stream.name,
    description: stream.description,
    aggregation: stream.aggregation && aggregationOption(stream.aggregation),
    aggregationCardinalityLimit: stream.aggregation_cardinality_limit,
    attributesProcessors: [
      ...(keys?.included ? [createAllowListAttributesProcessor(keys.included)] : []),
      ...(keys?.excluded ? [createDenyListAttributesProcessor(keys.excluded)] : []),
    ],
  };
}

export async function createTelemetry(config: TelemetryConfig, build: BuildInfo): Promise<Telemetry> {
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
  const { logger, provider: loggerProvider } = await configuredLogger(config.logs, resource);
  const meterProvider = new MeterProvider({
    resource,
    readers: await readersFor(config, logger),
    views: config.metrics.views.map(viewOptions),
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
