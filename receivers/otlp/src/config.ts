import { receiverHttpServerShape, listenAddrShape, refineListenAddr, tlsServerSchema, z } from '@flowtel/core';
import { authConfigSchema, COMPRESSIONS, grpcServerSchema } from '@flowtel/otlp';

const urlPath = (signal: string) =>
  z
    .string()
    .refine((p) => p.length > 0, { message: `${signal}_url_path must not be empty` })
    .transform((p) => (p.startsWith('/') ? p : `/${p}`))
    .default(`/v1/${signal}`);

const grpcSchema = grpcServerSchema('localhost:4317');

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
export type HttpConfig = z.output<typeof httpSchema>;
export type CorsConfig = z.output<typeof corsSchema>;
