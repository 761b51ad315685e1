// contrib's zipkinreceiver config: a confighttp server (endpoint localhost:9411 as otelcol binds
// now) and parse_string_tags.
import {
  receiverHttpServerShape,
  listenAddrShape,
  notInFlowtel,
  refineListenAddr,
  tlsServerSchema,
  z,
} from '@flowtel/core';

export const zipkinReceiverConfigSchema = z
  .object({
    ...listenAddrShape(z.string().default('localhost:9411')),
    ...receiverHttpServerShape,
    /** tags that read as an int, a float or a bool become attributes of that type */
    parse_string_tags: z.boolean().default(false),
    tls: tlsServerSchema.optional(),
    auth: notInFlowtel("auth is not in flowtel's zipkin receiver yet"),
    cors: notInFlowtel("cors is not in flowtel's zipkin receiver yet"),
  })
  .strict()
  .superRefine(refineListenAddr);

export type ZipkinReceiverConfig = z.output<typeof zipkinReceiverConfigSchema>;
