// contrib's jaegerreceiver config: `protocols` with grpc (configgrpc server), thrift_http
// (confighttp server) and the two agent UDP protocols, each with its own endpoint. Receivers
// bind to localhost by default, as otelcol does now.
import {
  endpoint,
  receiverHttpServerShape,
  listenAddrShape,
  notInFlowtel,
  refineListenAddr,
  tlsServerSchema,
  z,
} from '@flowtel/core';

const grpcSchema = z
  .object({
    endpoint: endpoint().default('localhost:14250'),
    transport: z.literal('tcp').default('tcp'),
    max_recv_msg_size_mib: z.number().positive().default(4),
    max_concurrent_streams: z.number().int().nonnegative().default(0),
    keepalive: notInFlowtel("keepalive is not in flowtel's jaeger grpc protocol yet: grpc-js's defaults apply"),
    include_metadata: z.boolean().default(false),
    tls: notInFlowtel(
      "tls is not in flowtel's jaeger grpc protocol yet: terminate TLS in front of it, or send OTLP to the otlp receiver",
    ),
    auth: notInFlowtel("auth is not in flowtel's jaeger receiver yet"),
  })
  .strict();

const httpSchema = z
  .object({
    ...listenAddrShape(z.string().default('localhost:14268')),
    ...receiverHttpServerShape,
    tls: tlsServerSchema.optional(),
    auth: notInFlowtel("auth is not in flowtel's jaeger receiver yet"),
    cors: notInFlowtel("cors is not in flowtel's jaeger receiver yet: browsers send OTLP, not Jaeger thrift"),
  })
  .strict()
  .superRefine(refineListenAddr);

/** contrib's ProtocolUDP: the agent's datagram server */
const udpSchema = (port: number) =>
  z
    .object({
      endpoint: endpoint().default(`localhost:${port}`),
      /** datagrams waiting for a worker; one arriving at a full queue is dropped (counted) */
      queue_size: z.number().int().positive().default(1000),
      /** larger datagrams are dropped (counted): they would arrive cut short */
      max_packet_size: z.number().int().positive().max(65535).default(65000),
      /** datagrams handed to the pipeline at once */
      workers: z.number().int().positive().default(10),
      /** SO_RCVBUF; 0 keeps the system's */
      socket_buffer_size: z.number().int().nonnegative().default(0),
    })
    .strict();

/** `grpc:` with nothing after it (YAML null) turns the protocol on with defaults. */
const protocol = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === null ? {} : v), schema).optional();

export const jaegerReceiverConfigSchema = z
  .object({
    protocols: z
      .object({
        grpc: protocol(grpcSchema),
        thrift_http: protocol(httpSchema),
        thrift_compact: protocol(udpSchema(6831)),
        thrift_binary: protocol(udpSchema(6832)),
      })
      .strict()
      .default({}),
    remote_sampling: notInFlowtel(
      "remote_sampling is not in flowtel: otelcol's jaeger receiver no longer serves sampling strategies either (contrib's jaegerremotesampling extension does)",
    ),
  })
  .strict()
  // contrib's words (jaegerreceiver/config.go)
  .refine(
    (c) =>
      c.protocols.grpc !== undefined ||
      c.protocols.thrift_http !== undefined ||
      c.protocols.thrift_compact !== undefined ||
      c.protocols.thrift_binary !== undefined,
    { message: 'must specify at least one protocol when using the Jaeger receiver', path: ['protocols'] },
  );

export type JaegerReceiverConfig = z.output<typeof jaegerReceiverConfigSchema>;
export type GrpcConfig = z.output<typeof grpcSchema>;
export type ThriftHttpConfig = z.output<typeof httpSchema>;
export type UdpConfig = z.output<ReturnType<typeof udpSchema>>;
