import { duration, opaque, proxyUrlSchema, retrySchema, tlsClientSchema, z } from '@flowtel/core';
import { authConfigSchema } from '@flowtel/otlp';
import { TRANSLATION_STRATEGIES } from '@flowtel/prometheus';

/** Set by the exporter on every request, so `headers` may not change them. */
export const RESERVED_HEADERS = ['content-encoding', 'content-type', 'x-prometheus-remote-write-version', 'user-agent'];

const enabled = (value: boolean) =>
  z
    .object({ enabled: z.boolean().default(value) })
    .strict()
    .default({});

export const configSchema = z
  .object({
    endpoint: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http:// or https:// URL' })
      .default('http://localhost:9090/api/v1/write'),
    headers: z
      .record(opaque())
      .default({})
      .refine((h) => !Object.keys(h).some((k) => RESERVED_HEADERS.includes(k.toLowerCase())), {
        message: `cannot set ${RESERVED_HEADERS.join(', ')}: the exporter sets them`,
      }),
    namespace: z.string().default(''),
    external_labels: z
      .record(z.string())
      .default({})
      .refine((l) => Object.entries(l).every(([k, v]) => k !== '' && v !== ''), {
        message: 'external labels configuration contains an empty key or value',
      }),
    resource_to_telemetry_conversion: z
      .object({ enabled: z.boolean().default(false), exclude_service_attributes: z.boolean().default(false) })
      .strict()
      .default({}),
    target_info: enabled(true),
    export_created_metric: enabled(false),
    add_metric_suffixes: z.boolean().default(true),
    /** when set, wins over add_metric_suffixes */
    translation_strategy: z.enum(TRANSLATION_STRATEGIES).optional(),
    send_metadata: z.boolean().default(false),
    max_batch_size_bytes: z.number().int().positive().default(3_000_000),
    remote_write_queue: z
      .object({
        enabled: z.boolean().default(true),
        queue_size: z.number().int().positive().default(10_000),
        num_consumers: z.number().int().positive().default(5),
      })
      .strict()
      .default({}),
    // contrib's own retry defaults, tighter than the exporter helper's
    retry_on_failure: retrySchema
      .extend({
        initial_interval: duration().default('50ms'),
        max_interval: duration().default('200ms'),
        max_elapsed_time: duration().default('1m'),
      })
      .default({}),
    timeout: duration().default('5s'),
    tls: tlsClientSchema.default({}),
    /** every request through this proxy; unset: HTTPS_PROXY, HTTP_PROXY and NO_PROXY as Go reads them */
    proxy_url: proxyUrlSchema,
    auth: authConfigSchema.optional(),
  })
  .strict();

export type Config = z.output<typeof configSchema>;
