// contrib's spanmetrics connector config (connector/spanmetricsconnector/config.go, factory.go):
// the same keys, defaults and checks.
import { duration, notInFlowtel, z } from '@flowtel/core';

export const DEFAULT_NAMESPACE = 'traces.span.metrics';
/** contrib's defaultHistogramBucketsMs */
export const DEFAULT_BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000];
/** the dimensions every metric carries unless exclude_dimensions names them */
export const SERVICE_NAME = 'service.name';
export const SPAN_NAME = 'span.name';
export const SPAN_KIND = 'span.kind';
export const STATUS_CODE = 'status.code';
const RESERVED = [SERVICE_NAME, SPAN_KIND, STATUS_CODE, SPAN_NAME];

const dimension = z
  .object({
    name: z.string().min(1),
    default: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
  })
  .strict();
export type Dimension = z.output<typeof dimension>;

/** contrib's validateDimensions: no reserved name, no name twice */
function duplicateDimension(dims: Dimension[]): string | undefined {
  const seen = new Set(RESERVED);
  for (const d of dims) {
    if (seen.has(d.name)) return d.name;
    seen.add(d.name);
  }
  return undefined;
}

export const configSchema = z
  .object({
    dimensions: z.array(dimension).default([]),
    calls_dimensions: notInFlowtel(
      'calls_dimensions is not in flowtel yet: the calls and duration metrics share their dimensions; list them under dimensions',
    ),
    exclude_dimensions: z.array(z.string()).default([]),
    /** deprecated in contrib for aggregation_cardinality_limit; a cache of attribute maps with nothing to observe */
    dimensions_cache_size: z.number().int().optional(),
    resource_metrics_cache_size: z.number().int().positive().default(1000),
    resource_metrics_key_attributes: z.array(z.string()).default([]),
    aggregation_temporality: z
      .enum(['AGGREGATION_TEMPORALITY_CUMULATIVE', 'AGGREGATION_TEMPORALITY_DELTA'])
      .default('AGGREGATION_TEMPORALITY_CUMULATIVE'),
    histogram: z
      .object({
        disable: z.boolean().default(false),
        unit: z.enum(['ms', 's']).default('ms'),
        explicit: z
          .object({ buckets: z.array(duration()).optional() })
          .strict()
          .nullish()
          .transform((v) => (v === null ? {} : v)),
        exponential: z
          .object({ max_size: z.number().int().positive().default(160) })
          .strict()
          .nullish()
          .transform((v) => (v === null ? { max_size: 160 } : v)),
        dimensions: notInFlowtel(
          'histogram::dimensions is not in flowtel yet: the calls and duration metrics share their dimensions; list them under dimensions',
        ),
      })
      .strict()
      .default({})
      .refine((h) => !(h.explicit && h.exponential), {
        message: 'use either `explicit` or `exponential` buckets histogram',
      }),
    metrics_flush_interval: duration()
      .default('60s')
      .refine((ms) => ms >= 0, 'invalid metrics_flush_interval: the duration should be positive'),
    metrics_expiration: duration()
      .default('0s')
      .refine((ms) => ms >= 0, 'invalid metrics_expiration: the duration should be positive'),
    metric_timestamp_cache_size: z.number().int().default(1000),
    namespace: z.string().default(DEFAULT_NAMESPACE),
    exemplars: z
      .object({
        enabled: z.boolean().default(false),
        max_per_data_point: z.number().int().nonnegative().default(5),
      })
      .strict()
      .default({}),
    events: z
      .object({ enabled: z.boolean().default(false), dimensions: z.array(dimension).default([]) })
      .strict()
      .default({}),
    include_instrumentation_scope: z.array(z.string()).default([]),
    aggregation_cardinality_limit: z
      .number()
      .int()
      .nonnegative({ message: 'invalid aggregation_cardinality_limit: the limit should be positive' })
      .default(0),
    /**
     * contrib: restores the resource attributes on the metrics when its
     * connector.spanmetrics.excludeResourceMetrics gate (alpha, off) drops them. flowtel has
     * no such gate, so resource attributes are always kept, which is what `true` asks.
     */
    add_resource_attributes: z.boolean().default(false),
  })
  .strict()
  .superRefine((c, ctx) => {
    const dup = duplicateDimension(c.dimensions);
    if (dup)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['dimensions'],
        message: `failed validating dimensions: duplicate dimension name ${dup}`,
      });
    if (c.events.enabled) {
      if (c.events.dimensions.length === 0)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['events', 'dimensions'],
          message: 'failed validating event dimensions: no dimensions configured for events',
        });
      const edup = duplicateDimension(c.events.dimensions);
      if (edup)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['events', 'dimensions'],
          message: `failed validating event dimensions: duplicate dimension name ${edup}`,
        });
    }
    if (c.dimensions_cache_size !== undefined && c.dimensions_cache_size <= 0)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['dimensions_cache_size'],
        message: `invalid cache size: ${c.dimensions_cache_size}, the maximum number of the items in the cache should be positive`,
      });
    if (c.aggregation_temporality === 'AGGREGATION_TEMPORALITY_DELTA' && c.metric_timestamp_cache_size <= 0)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['metric_timestamp_cache_size'],
        message: `invalid delta timestamp cache size: ${c.metric_timestamp_cache_size}, the maximum number of the items in the cache should be positive`,
      });
  });

export type SpanMetricsConfig = z.output<typeof configSchema>;
