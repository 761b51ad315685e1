import { httpServerShape, listenAddrShape, refineServerConfig, tlsServerSchema, z } from '@flowtel/core';

export const healthCheckConfigSchema = z
  .object({
    ...listenAddrShape(z.string().default('localhost:13133')),
    ...httpServerShape,
    tls: tlsServerSchema.optional(),
    path: z
      .string()
      .refine((p) => p.startsWith('/'), { message: 'path must start with /' })
      .default('/'),
    /** Plain bodies that replace the JSON status document, as otelcol's `response_body`. */
    response_body: z
      .object({ healthy: z.string().default(''), unhealthy: z.string().default('') })
      .strict()
      .optional(),
    /** Accepted so otelcol configs load; the pipeline check itself is not implemented. */
    check_collector_pipeline: z
      .object({
        enabled: z.boolean().default(false),
        interval: z.string().default('5m'),
        exporter_failure_threshold: z.number().int().positive().default(5),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine(refineServerConfig);

export type HealthCheckConfig = z.output<typeof healthCheckConfigSchema>;
