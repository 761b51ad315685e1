import { exporterHelperShape, tlsClientSchema, z } from '@flowtel/core';
import { authConfigSchema } from '@flowtel/otlp';

export const otlpGrpcExporterConfigSchema = z
  .object({
    ...exporterHelperShape,
    /** host:port, optionally with http:// (no TLS) or https:// in front */
    endpoint: z.string().min(1).default('localhost:4317'),
    tls: tlsClientSchema.default({}),
    headers: z.record(z.string()).default({}),
    compression: z
      .enum(['gzip', 'deflate', 'none', '', 'snappy', 'zstd'])
      .default('gzip')
      .refine((c) => c !== 'snappy' && c !== 'zstd', {
        message: 'snappy and zstd are not available over gRPC in flowtel (grpc-js speaks gzip and deflate); use gzip, or the otlp_http exporter',
      }),
    auth: authConfigSchema.optional(),
    authority: z.string().optional(),
    balancer_name: z.string().optional(),
    wait_for_ready: z.boolean().default(false),
    read_buffer_size: z.number().int().nonnegative().optional(),
    write_buffer_size: z.number().int().nonnegative().optional(),
    keepalive: z
      .object({
        time: z.string().optional(),
        timeout: z.string().optional(),
        permit_without_stream: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict();

export type OtlpGrpcExporterConfig = z.output<typeof otlpGrpcExporterConfigSchema>;
