// service::telemetry as current otelcol reads it (otelconftelemetry: zap's logs settings and
// the OpenTelemetry declarative-config readers and processors), plus the older
// `metrics::address`. Every key here is honoured; what flowtel cannot do yet is refused with
// the reason, never accepted and ignored.
import { z } from 'zod';
import { duration } from '../config/types.ts';
import { opaque } from '../config/opaque.ts';

/** otelconf's OTLP exporter, for metric readers and log processors. */
const otlpFields = {
  protocol: z.enum(['grpc', 'http/protobuf', 'http/json']).default('http/protobuf'),
  endpoint: z.string(),
  insecure: z.boolean().optional(),
  headers: z
    .union([z.record(opaque()), z.array(z.object({ name: z.string(), value: opaque() }).strict())])
    .transform((h) => (Array.isArray(h) ? Object.fromEntries(h.map((e) => [e.name, e.value])) : h))
    .optional(),
  compression: z.enum(['gzip', 'none']).optional(),
  /** milliseconds */
  timeout: z.number().int().positive().optional(),
};
const grpcWithoutHeaders = (o: { protocol: string; headers?: Record<string, string> }): boolean =>
  o.protocol !== 'grpc' || !o.headers || Object.keys(o.headers).length === 0;
const grpcHeadersRefused = {
  message: "headers on a grpc exporter of the collector's own telemetry are not in flowtel yet (use http/protobuf)",
  path: ['headers'],
};
const otlpExporter = z.object(otlpFields).strict().refine(grpcWithoutHeaders, grpcHeadersRefused);
const otlpMetricExporter = z
  .object({ ...otlpFields, temporality_preference: z.enum(['cumulative', 'delta', 'low_memory']).optional() })
  .strict()
  .refine(grpcWithoutHeaders, grpcHeadersRefused);

const prometheusPull = z
  .object({
    host: z.string().default('localhost'),
    port: z.number().int().min(0).max(65535).default(8888),
    without_units: z.boolean().optional(),
    without_type_suffix: z.boolean().optional(),
    without_scope_info: z.boolean().optional(),
    /** resource attributes copied onto every series as labels */
    with_resource_constant_labels: z
      .object({ included: z.array(z.string()).default([]), excluded: z.array(z.string()).default([]) })
      .strict()
      .optional(),
  })
  .strict();

const reader = z.union([
  z.object({ pull: z.object({ exporter: z.object({ prometheus: prometheusPull }).strict() }).strict() }).strict(),
  z
    .object({
      periodic: z
        .object({
          interval: z.number().int().positive().default(60000),
          timeout: z.number().int().positive().default(30000),
          exporter: z
            .object({
              otlp: otlpMetricExporter,
            })
            .strict(),
        })
        .strict(),
    })
    .strict(),
]);

/** otelconf's processors: where the collector's own log records (or spans) also go. */
const batchProcessor = z
  .object({
    /** milliseconds, as otelconf has them */
    schedule_delay: z.number().int().nonnegative().default(1000),
    export_timeout: z.number().int().nonnegative().default(30000),
    max_queue_size: z.number().int().positive().default(2048),
    max_export_batch_size: z.number().int().positive().default(512),
    exporter: z.object({ otlp: otlpExporter }).strict(),
  })
  .strict();
const telemetryProcessor = z.union([
  z.object({ batch: batchProcessor }).strict(),
  z.object({ simple: z.object({ exporter: z.object({ otlp: otlpExporter }).strict() }).strict() }).strict(),
]);

// zap reads `debug` or `DEBUG` (not `Debug`); its levels above error map to pino's nearest.
const ZAP_LEVELS: Record<string, 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  dpanic: 'error',
  panic: 'fatal',
  fatal: 'fatal',
};
const logLevel = z.string().transform((l, ctx) => {
  const level = l === l.toUpperCase() ? ZAP_LEVELS[l.toLowerCase()] : ZAP_LEVELS[l];
  if (!level) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `unrecognized level: "${l}" (valid values: ${Object.keys(ZAP_LEVELS).join(', ')}, or upper case)`,
    });
    return z.NEVER;
  }
  return level;
});

/** A key flowtel accepts only with the value that matches what it always does. */
const only = <T extends z.Primitive>(value: T, why: string) =>
  z.literal(value, { errorMap: () => ({ message: why }) }).optional();

/** configtelemetry's levels, in any case (it lower-cases them) */
/** otelconf's view (go.opentelemetry.io/contrib/otelconf, as otelcol reads service::telemetry::metrics::views) */
const view = z
  .object({
    selector: z
      .object({
        instrument_name: z.string().optional(),
        instrument_type: z
          .enum([
            'counter',
            'gauge',
            'histogram',
            'up_down_counter',
            'observable_counter',
            'observable_gauge',
            'observable_up_down_counter',
          ])
          .optional(),
        unit: z.string().optional(),
        meter_name: z.string().optional(),
        meter_version: z.string().optional(),
        meter_schema_url: z.string().optional(),
      })
      .strict()
      .default({}),
    stream: z
      .object({
        name: z.string().optional(),
        description: z.string().optional(),
        aggregation: z
          .object({
            default: z.object({}).strict().nullish(),
            drop: z.object({}).strict().nullish(),
            sum: z.object({}).strict().nullish(),
            last_value: z.object({}).strict().nullish(),
            explicit_bucket_histogram: z
              .object({
                boundaries: z.array(z.number()).optional(),
                record_min_max: z.boolean().default(true),
              })
              .strict()
              .nullish(),
            base2_exponential_bucket_histogram: z
              .object({
                max_scale: only(
                  20,
                  "the JS SDK's exponential histogram starts at scale 20 and has no max_scale",
                ).optional(),
                max_size: z.number().int().positive().default(160),
                record_min_max: z.boolean().default(true),
              })
              .strict()
              .nullish(),
          })
          .strict()
          .refine((a) => Object.values(a).filter((v) => v !== undefined).length <= 1, {
            message:
              'aggregation takes one of default, drop, sum, last_value, explicit_bucket_histogram, base2_exponential_bucket_histogram',
          })
          .optional(),
        aggregation_cardinality_limit: z.number().int().positive().optional(),
        /** otelconf's { included, excluded }, or the older plain list of keys to keep */
        attribute_keys: z
          .union([
            z.array(z.string()).transform((included) => ({ included, excluded: undefined })),
            z.object({ included: z.array(z.string()).optional(), excluded: z.array(z.string()).optional() }).strict(),
          ])
          .optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type ViewConfig = z.output<typeof view>;

const telemetryLevel = () =>
  z.preprocess((l) => (typeof l === 'string' ? l.toLowerCase() : l), z.enum(['none', 'basic', 'normal', 'detailed']));

const STD_STREAMS = ['stderr', 'stdout'];

export const telemetrySchema = z
  .object({
    logs: z
      .object({
        level: logLevel.default('info'),
        encoding: z.enum(['json', 'console']).default('json'),
        development: only(false, "zap's development mode is not in flowtel"),
        /** stderr, stdout or files, as zap's sinks */
        output_paths: z.array(z.string().min(1)).default(['stderr']),
        error_output_paths: z
          .array(z.string())
          .refine(
            (p) => p.every((s) => STD_STREAMS.includes(s)),
            "flowtel's logger has no log of its own errors to write to a file (stderr or stdout only)",
          )
          .default(['stderr']),
        disable_caller: only(true, 'flowtel logs no caller (file and line), so disable_caller can only be true'),
        disable_stacktrace: only(true, 'flowtel logs no stack traces, so disable_stacktrace can only be true'),
        initial_fields: z.record(z.unknown()).default({}),
        /** zap's sampler: per message and level, `initial` per `tick`, then every `thereafter`th */
        sampling: z
          .object({
            enabled: z.boolean().default(true),
            tick: duration().default('10s'),
            initial: z.number().int().nonnegative().default(10),
            thereafter: z.number().int().nonnegative().default(100),
          })
          .strict()
          .optional(),
        processors: z.array(telemetryProcessor).default([]),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        level: telemetryLevel().default('normal'),
        /** deprecated by otelcol in favour of readers; still in many deployed configs */
        address: z.string().optional(),
        readers: z.array(reader).optional(),
        views: z.array(view).default([]),
      })
      .strict()
      .default({}),
    traces: z
      .object({
        level: telemetryLevel().optional(),
        propagators: z.array(z.string()).optional(),
        /** set up as written; flowtel records no spans of its own yet, so they send nothing (validate says so) */
        processors: z.array(telemetryProcessor).default([]),
      })
      .strict()
      .optional(),
    /** the legacy map of attribute -> value (null removes a default one), or otelconf's `attributes` list */
    resource: z
      .union([
        z
          .object({
            attributes: z.array(
              z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
            ),
            schema_url: z.string().optional(),
          })
          .strict()
          .transform(
            (r) =>
              Object.fromEntries(r.attributes.map((a) => [a.name, String(a.value)])) as Record<string, string | null>,
          ),
        z.record(z.union([z.string(), z.null()])),
      ])
      .default({}),
  })
  .strict()
  .default({});

export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type ReaderConfig = z.output<typeof reader>;
export type TelemetryProcessorConfig = z.output<typeof telemetryProcessor>;
export type OtlpTelemetryExporterConfig = z.output<typeof otlpExporter>;
