import {
  duration,
  receiverHttpServerShape,
  listenAddrShape,
  notInFlowtel,
  refineListenAddr,
  tlsServerSchema,
  z,
} from '@flowtel/core';
import { authConfigSchema, COMPRESSIONS } from '@flowtel/otlp';

const urlPath = (signal: string) =>
  z
    .string()
    .refine((p) => p.length > 0, { message: `${signal}_url_path must not be empty` })
    .transform((p) => (p.startsWith('/') ? p : `/${p}`))
    .default(`/v1/${signal}`);

const grpcSchema = z
  .object({
    // grpc-js binds a host and port or a unix socket, with no IPv6-only switch for tcp6
    ...listenAddrShape(z.string().default('localhost:4317'), ['tcp', 'tcp4', 'unix']),
    max_recv_msg_size_mib: z.number().positive().default(4),
    max_concurrent_streams: z.number().int().nonnegative().default(0),
    read_buffer_size: notInFlowtel(
      "read_buffer_size is not in flowtel: Node's HTTP/2 server has no per-connection read buffer to size",
    ),
    write_buffer_size: notInFlowtel(
      "write_buffer_size is not in flowtel: Node's HTTP/2 server has no per-connection write buffer to size",
    ),
    keepalive: z
      .object({
        /** configgrpc's KeepaliveServerParameters, as grpc-js's server options */
        server_parameters: z
          .object({
            max_connection_idle: duration().optional(),
            max_connection_age: duration().optional(),
            max_connection_age_grace: duration().optional(),
            time: duration().optional(),
            timeout: duration().optional(),
          })
          .strict()
          .optional(),
        enforcement_policy: notInFlowtel(
          'keepalive::enforcement_policy is not in flowtel yet: grpc-js servers do not police client pings',
        ),
      })
      .strict()
      .optional(),
    tls: tlsServerSchema.optional(),
    auth: authConfigSchema.optional(),
    include_metadata: z.boolean().default(false),
    middlewares: notInFlowtel('middlewares is not in flowtel: it has no middleware extensions for them to name'),
  })
  .strict()
  .superRefine(refineListenAddr);

const corsSchema = z
  .object({
    allowed_origins: z.array(z.string()).default([]),
    allowed_headers: z.array(z.string()).default([]),
    max_age: z.number().int().nonnegative().default(0),
  })
  .strict();

const httpSchema = z
  .object({
    ...listenAddrShape(z.string().default('localhost:4318')),
    ...receiverHttpServerShape,
    traces_url_path: urlPath('traces'),
    metrics_url_path: urlPath('metrics'),
    logs_url_path: urlPath('logs'),
    tls: tlsServerSchema.optional(),
    cors: corsSchema.optional(),
    auth: authConfigSchema.optional(),
    /** the Content-Encodings taken ("" is an uncompressed body); absent: all of them, as otelcol */
    compression_algorithms: z.array(z.enum(['', ...COMPRESSIONS])).optional(),
  })
  .strict()
  .superRefine(refineListenAddr);

/** `grpc:` or `http:` with nothing after it (YAML null) turns the protocol on with defaults. */
const protocol = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === null ? {} : v), schema).optional();

export const otlpReceiverConfigSchema = z
  .object({
    protocols: z
      .object({ grpc: protocol(grpcSchema), http: protocol(httpSchema) })
      .strict()
      .default({}),
  })
  .strict()
  // otelcol's words (otlpreceiver/config.go): `otlp:` with no protocol is an error
  .refine((c) => c.protocols.grpc !== undefined || c.protocols.http !== undefined, {
    message: 'must specify at least one protocol when using the OTLP receiver',
    path: ['protocols'],
  });

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
export type GrpcConfig = z.output<typeof grpcSchema>;
export type HttpConfig = z.output<typeof httpSchema>;
export type CorsConfig = z.output<typeof corsSchema>;
