// service::telemetry as current otelcol reads it, plus the older `metrics::address`.
import { z } from 'zod';

const prometheusPull = z
  .object({
    host: z.string().default('localhost'),
    port: z.number().int().min(0).max(65535).default(8888),
    without_units: z.boolean().optional(),
    without_type_suffix: z.boolean().optional(),
    without_scope_info: z.boolean().optional(),
  })
  .strict();

const otlpPush = z
  .object({
    protocol: z.enum(['grpc', 'http/protobuf', 'http/json']).default('http/protobuf'),
    endpoint: z.string(),
    insecure: z.boolean().optional(),
    headers: z.union([z.record(z.string()), z.array(z.object({ name: z.string(), value: z.string() }).strict())]).optional(),
    compression: z.string().optional(),
    timeout: z.number().optional(),
    temporality_preference: z.string().optional(),
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
          exporter: z.object({ otlp: otlpPush }).strict(),
        })
        .strict(),
    })
    .strict(),
]);

export const telemetrySchema = z
  .object({
    logs: z
      .object({
        level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
        encoding: z.enum(['json', 'console']).default('json'),
        development: z.boolean().default(false),
        output_paths: z.array(z.string()).default(['stderr']),
        error_output_paths: z.array(z.string()).default(['stderr']),
        disable_caller: z.boolean().optional(),
        disable_stacktrace: z.boolean().optional(),
        initial_fields: z.record(z.unknown()).optional(),
        sampling: z.record(z.unknown()).optional(),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        level: z.enum(['none', 'basic', 'normal', 'detailed']).default('normal'),
        /** deprecated by otelcol in favour of readers; still in many deployed configs */
        address: z.string().optional(),
        readers: z.array(reader).optional(),
        views: z.array(z.unknown()).optional(),
      })
      .strict()
      .default({}),
    traces: z.record(z.unknown()).optional(),
    resource: z.record(z.union([z.string(), z.null()])).default({}),
  })
  .strict()
  .default({});

export type TelemetryConfig = z.output<typeof telemetrySchema>;
export type ReaderConfig = z.output<typeof reader>;
