// configgrpc's ClientConfig as the OTLP-family gRPC exporters take it (otlp_grpc, otelarrow).
import { duration, notInFlowtel, opaque, tlsClientSchema, z } from '@flowtel/core';
import { authConfigSchema } from './auth.ts';

/** The keys, with the compression and balancer an exporter defaults to (otelarrow: zstd, round_robin). */
export const grpcClientShape = (defaultCompression: 'gzip' | 'zstd', defaultBalancer?: 'round_robin') => ({
  /** host:port, optionally with http:// (no TLS) or https:// in front */
  // otelcol has no default: an otlp exporter without an endpoint is refused
  endpoint: z
    .string({ required_error: 'requires a non-empty "endpoint"' })
    .refine((e) => e.replace(/^https?:\/\//, '') !== '', 'requires a non-empty "endpoint"'),
  tls: tlsClientSchema.default({}),
  headers: z.record(opaque()).default({}),
  /**
   * gzip (grpc-js), snappy and zstd (flowtel's codecs, as otelcol registers them) or none;
   * deflate is grpc-js's (otelcol refuses it). Other configcompression values fail as in
   * otelcol, which refuses them when the exporter starts.
   */
  compression: z
    .enum(['gzip', 'deflate', 'snappy', 'zstd', 'none', '', 'zlib', 'lz4', 'x-snappy-framed'])
    .default(defaultCompression)
    .refine(
      (c) => c !== 'zlib' && c !== 'lz4' && c !== 'x-snappy-framed',
      (c) => ({
        message: `unsupported compression type "${c}" (gRPC takes gzip, snappy, zstd or none)`,
      }),
    ),
  auth: authConfigSchema.optional(),
  authority: z.string().optional(),
  /** grpc-go's balancers that grpc-js has too; set as the channel's load-balancing config */
  balancer_name: z
    .enum(['round_robin', 'pick_first'], {
      errorMap: () => ({ message: 'balancer_name must be round_robin or pick_first' }),
    })
    .optional()
    .default(defaultBalancer as 'round_robin'),
  wait_for_ready: z.boolean().default(false),
  read_buffer_size: notInFlowtel(
    'read_buffer_size is not in flowtel: grpc-js has no per-connection read buffer to size',
  ),
  write_buffer_size: notInFlowtel(
    'write_buffer_size is not in flowtel: grpc-js has no per-connection write buffer to size',
  ),
  /**
   * configgrpc's KeepaliveClientConfig as grpc-js channel options. Absent by default: otelcol's
   * otlp exporter clears the keepalive configgrpc's NewDefaultClientConfig would set.
   */
  keepalive: z
    .object({
      time: duration().optional(),
      timeout: duration().optional(),
      permit_without_stream: z.boolean().default(false),
    })
    .strict()
    .optional(),
});

export type GrpcClientConfig = z.output<z.ZodObject<ReturnType<typeof grpcClientShape>>>;
