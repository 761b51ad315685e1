import { endpoint, tlsServerSchema, z } from '@flowtel/core';
import { authConfigSchema, COMPRESSIONS } from '@flowtel/otlp';

const MIB = 1024 * 1024;

const urlPath = (signal: string) =>
  z
    .string()
    .refine((p) => p.length > 0, { message: `${signal}_url_path must not be empty` })
    .transform((p) => (p.startsWith('/') ? p : `/${p}`))
    .default(`/v1/${signal}`);

const grpcSchema = z
  .object({
    endpoint: endpoint().default('localhost:4317'),
    transport: z.literal('tcp').default('tcp'),
    max_recv_msg_size_mib: z.number().positive().default(4),
    max_concurrent_streams: z.number().int().nonnegative().default(0),
    read_buffer_size: z.number().int().nonnegative().optional(),
    write_buffer_size: z.number().int().nonnegative().optional(),
    keepalive: z
      .object({
        server_parameters: z.record(z.unknown()).optional(),
        enforcement_policy: z.record(z.unknown()).optional(),
      })
      .strict()
      .optional(),
    tls: tlsServerSchema.optional(),
    auth: authConfigSchema.optional(),
    include_metadata: z.boolean().default(false),
  })
  .strict();

const corsSchema = z
  .object({
    allowed_origins: z.array(z.string()).default([]),
    allowed_headers: z.array(z.string()).default([]),
    max_age: z.number().int().nonnegative().default(0),
  })
  .strict();

const httpSchema = z
  .object({
    endpoint: endpoint().default('localhost:4318'),
    traces_url_path: urlPath('traces'),
    metrics_url_path: urlPath('metrics'),
    logs_url_path: urlPath('logs'),
    max_request_body_size: z.number().int().positive().default(20 * MIB),
    tls: tlsServerSchema.optional(),
    cors: corsSchema.optional(),
    auth: authConfigSchema.optional(),
    include_metadata: z.boolean().default(false),
    response_headers: z.record(z.string()).default({}),
    /** the Content-Encodings taken ("" is an uncompressed body); absent: all of them, as otelcol */
    compression_algorithms: z.array(z.enum(['', ...COMPRESSIONS])).optional(),
  })
  .strict();

/** `grpc:` or `http:` with nothing after it (YAML null) turns the protocol on with defaults. */
const protocol = <T extends z.ZodTypeAny>(schema: T) =>
  z.union([z.null().transform(() => schema.parse({}) as z.output<T>), schema]).optional();

export const otlpReceiverConfigSchema = z
  .object({
    protocols: z
      .object({ grpc: protocol(grpcSchema), http: protocol(httpSchema) })
      .strict()
      .refine((p) => p.grpc !== undefined || p.http !== undefined, {
        message: 'must specify at least one protocol (grpc or http) when using the OTLP receiver',
      })
      // with no `protocols` at all both run on their default ports
      .default({ grpc: {}, http: {} } as never),
  })
  .strict();

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
export type GrpcConfig = z.output<typeof grpcSchema>;
export type HttpConfig = z.output<typeof httpSchema>;
export type CorsConfig = z.output<typeof corsSchema>;
