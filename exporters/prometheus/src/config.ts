import {
  duration,
  httpServerShape,
  listenAddrShape,
  notInFlowtel,
  refineListenAddr,
  tlsServerSchema,
  z,
} from '@flowtel/core';
import { TRANSLATION_STRATEGIES } from '@flowtel/prometheus';

const patterns = z.array(z.string()).default([]);

export const configSchema = z
  .object({
    /** host:port where /metrics is served; contrib has no default */
    ...listenAddrShape(z.string({ required_error: 'endpoint is required: the host:port on which /metrics is served' })),
    ...httpServerShape,
    tls: tlsServerSchema.optional(),
    namespace: z.string().default(''),
    const_labels: z
      .record(z.string())
      .default({})
      .refine((l) => Object.keys(l).every((k) => k !== ''), { message: 'const_labels contains an empty label name' }),
    send_timestamps: z.boolean().default(false),
    metric_expiration: duration().default('5m'),
    resource_to_telemetry_conversion: z
      .object({ enabled: z.boolean().default(false), exclude_service_attributes: z.boolean().default(false) })
      .strict()
      .default({}),
    /** wins over resource_to_telemetry_conversion when set */
    resource_constant_labels: z.object({ included: patterns, excluded: patterns }).strict().optional(),
    enable_open_metrics: z.boolean().default(false),
    without_scope_info: z.boolean().default(false),
    add_metric_suffixes: z.boolean().default(true),
    /** when set, wins over add_metric_suffixes */
    translation_strategy: z.enum(TRANSLATION_STRATEGIES).optional(),
    sending_queue: notInFlowtel(
      'sending_queue is not in flowtel: the prometheus exporter keeps the latest value per series when a batch arrives, there is nothing to queue',
    ),
    cors: notInFlowtel('cors is not in flowtel yet for the prometheus exporter'),
    auth: notInFlowtel('auth is not in flowtel yet for the prometheus exporter'),
  })
  .strict()
  .superRefine(refineListenAddr);

export type Config = z.output<typeof configSchema>;
