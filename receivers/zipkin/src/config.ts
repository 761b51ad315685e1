// contrib's zipkinreceiver config: a confighttp server (endpoint localhost:9411 as otelcol binds
// now) and parse_string_tags.
import { httpServerShape, listenAddrShape, notInFlowtel, refineListenAddr, tlsServerSchema, z } from '@flowtel/core';

const MIB = 1024 * 1024;

export const zipkinReceiverConfigSchema = z
  .object({
    ...listenAddrShape(z.string().default('localhost:9411')),
    ...httpServerShape,
    /** tags that read as an int, a float or a bool become attributes of that type */
    parse_string_tags: z.boolean().default(false),
    max_request_body_size: z
      .number()
      .int()
      .positive()
      .default(20 * MIB),
    include_metadata: z.boolean().default(false),
    response_headers: z.record(z.string()).default({}),
    tls: tlsServerSchema.optional(),
    auth: notInFlowtel("auth is not in flowtel's zipkin receiver yet"),
    cors: notInFlowtel("cors is not in flowtel's zipkin receiver yet"),
  })
  .strict()
  .superRefine(refineListenAddr);

export type ZipkinReceiverConfig = z.output<typeof zipkinReceiverConfigSchema>;
