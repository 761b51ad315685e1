import { duration, notInFlowtel, retrySchema, sendingQueueSchema, z } from '@flowtel/core';

export const ROUTING_KEYS = ['traceID', 'service', 'resource', 'metric', 'streamID', 'attributes'] as const;
export type RoutingKey = (typeof ROUTING_KEYS)[number];

const staticResolverSchema = z
  .object({
    /** `host:port` backends; a host without a port gets 4317 */
    hostnames: z.array(z.string()).default([]),
  })
  .strict();

const dnsResolverSchema = z
  .object({
    hostname: z
      .string({ required_error: 'the dns resolver needs a "hostname"' })
      .min(1, 'the dns resolver needs a "hostname"'),
    /** given to every address the name resolves to; empty: 4317 */
    port: z.union([z.string(), z.number()]).transform(String).default(''),
    interval: duration().default('5s'),
    timeout: duration().default('1s'),
  })
  .strict();

export const loadBalancingConfigSchema = z
  .object({
    /** empty: traceID for traces, service for logs and metrics (contrib's per-signal default) */
    routing_key: z.enum(['', ...ROUTING_KEYS]).default(''),
    routing_attributes: z.array(z.string()).default([]),
    /**
     * The template of every backend's exporter: an otlp_grpc exporter's config whose endpoint
     * is each backend's. Validated with that exporter's own schema (the factory's `embeds`).
     */
    protocol: z
      .object({ otlp: z.record(z.unknown()).nullable().default({}) })
      .strict()
      .default({}),
    resolver: z
      .object({
        static: staticResolverSchema.optional(),
        dns: dnsResolverSchema.optional(),
        k8s: notInFlowtel(
          'the k8s resolver is not in flowtel yet: it needs an EndpointSlice watch; use the dns resolver with a headless Service',
        ),
        aws_cloud_map: notInFlowtel('the aws_cloud_map resolver is not in flowtel: use static or dns'),
      })
      .strict()
      .default({}),
    // The load balancer's own exporter helper, off unless configured (contrib's
    // createDefaultConfig: "we disable resilience options on loadbalancing exporter level"):
    // each backend's exporter has its own queue and retries under protocol::otlp.
    timeout: duration().default('0s'),
    sending_queue: sendingQueueSchema.default({ enabled: false }),
    retry_on_failure: retrySchema.default({ enabled: false }),
  })
  .strict()
  .superRefine((c, ctx) => {
    // contrib's Config.Validate and newLoadBalancer, with their messages
    const fail = (message: string, path: string[]) => ctx.addIssue({ code: z.ZodIssueCode.custom, message, path });
    if (c.routing_key === 'attributes' && c.routing_attributes.length === 0)
      fail('routing_attributes must be specified when routing_key is "attributes"', ['routing_attributes']);
    if (c.routing_key !== 'attributes' && c.routing_attributes.length > 0)
      fail(
        `routing_attributes can only be used when routing_key is "attributes"; got "${c.routing_key}". Remove routing_attributes or set routing_key to "attributes"`,
        ['routing_attributes'],
      );
    const resolvers = [c.resolver.static, c.resolver.dns].filter((r) => r !== undefined).length;
    if (resolvers === 0) fail('no resolvers specified for the exporter', ['resolver']);
    if (resolvers > 1) fail('only one resolver should be specified', ['resolver']);
  });

export type LoadBalancingConfig = z.output<typeof loadBalancingConfigSchema>;

/** contrib's routing_key per signal: what each accepts, the first being the default. */
export const KEYS_BY_SIGNAL: Record<'traces' | 'logs' | 'metrics', RoutingKey[]> = {
  traces: ['traceID', 'service', 'attributes'],
  logs: ['service', 'traceID', 'resource', 'attributes'],
  metrics: ['service', 'resource', 'metric', 'streamID', 'attributes'],
};
