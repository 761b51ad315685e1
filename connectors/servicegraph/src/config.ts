// contrib's servicegraph connector config (connector/servicegraphconnector/config.go and the
// defaults its factory and newConnector fill in).
import { duration, z } from '@flowtel/core';

/** contrib's defaultLatencyHistogramBuckets, in seconds */
export const DEFAULT_LATENCY_BUCKETS_S = [
  0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15,
];
export const DEFAULT_PEER_ATTRIBUTES = ['peer.service', 'db.name', 'db.system'];

const positiveOr = (fallback: string) =>
  duration()
    .default(fallback)
    .transform((ms) => (ms > 0 ? ms : (duration().parse(fallback) as number)));

export const configSchema = z
  .object({
    /** deprecated in contrib and a no-op there: the pipeline names the exporter */
    metrics_exporter: z.string().optional(),
    latency_histogram_buckets: z.array(duration()).optional(),
    exponential_histogram_max_size: z.number().int().nonnegative().default(0),
    dimensions: z.array(z.string()).default([]),
    store: z
      .object({
        ttl: duration().default('2s'),
        max_items: z.number().int().nonnegative().default(1000),
      })
      .strict()
      .default({}),
    // contrib: a value <= 0 means the default
    cache_loop: positiveOr('1m'),
    store_expiration_loop: positiveOr('2s'),
    virtual_node_peer_attributes: z.array(z.string()).default(DEFAULT_PEER_ATTRIBUTES),
    virtual_node_extra_label: z.boolean().default(false),
    /** 0: metrics go out with every batch of spans */
    metrics_flush_interval: duration().default('60s'),
    metrics_timestamp_offset: duration().default('0s'),
    /** deprecated in contrib for database_name_attributes */
    database_name_attribute: z.string().optional(),
    database_name_attributes: z.array(z.string()).default([]),
  })
  .strict()
  .refine((c) => !(c.exponential_histogram_max_size > 0 && c.latency_histogram_buckets), {
    message: 'use either latency_histogram_buckets or exponential_histogram_max_size',
  })
  .transform((c) => ({
    ...c,
    database_name_attributes:
      c.database_name_attributes.length > 0
        ? c.database_name_attributes
        : c.database_name_attribute
          ? [c.database_name_attribute]
          : ['db.name'],
  }));

export type ServiceGraphConfig = z.output<typeof configSchema>;
