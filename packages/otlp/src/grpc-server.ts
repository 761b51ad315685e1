// What every OTLP-family gRPC server shares (the otlp receiver and the otelarrow receiver, which
// serves plain OTLP on the same port): configgrpc's ServerConfig keys, the grpc-js server options
// they become, TLS credentials that reload, and the request metadata as headers.
import { type Metadata, ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import {
  duration,
  httpsServerOptions,
  listenAddrShape,
  notInFlowtel,
  refineListenAddr,
  reloadServerTls,
  tlsServerSchema,
  z,
  type CreateSettings,
  type TlsServerConfig,
} from '@flowtel/core';
import { authConfigSchema, type RequestHeaders } from './auth.ts';

const MIB = 1024 * 1024;

/** configgrpc's ServerConfig with the endpoint a component listens on by default. */
export const grpcServerSchema = (defaultEndpoint: string) =>
  z
    .object({
      // grpc-js binds a host and port or a unix socket, with no IPv6-only switch for tcp6
      ...listenAddrShape(z.string().default(defaultEndpoint), ['tcp', 'tcp4', 'unix']),
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

export type GrpcServerConfig = z.output<ReturnType<typeof grpcServerSchema>>;

/** The request metadata as headers (binary `-bin` entries left out). */
export function metadataHeaders(md: Metadata): RequestHeaders {
  const out: RequestHeaders = {};
  for (const [key, values] of Object.entries(md.toJSON())) {
    if (!key.endsWith('-bin')) out[key] = values.map(String);
  }
  return out;
}

/** configgrpc's keepalive server parameters as grpc-js server options (durations in ms). */
function keepaliveOptions(p: NonNullable<GrpcServerConfig['keepalive']>['server_parameters']): Record<string, number> {
  const options: Record<string, number> = {};
  const set = (key: string, ms: number | undefined) => {
    if (ms !== undefined && ms > 0) options[key] = Math.ceil(ms);
  };
  set('grpc.max_connection_idle_ms', p?.max_connection_idle);
  set('grpc.max_connection_age_ms', p?.max_connection_age);
  set('grpc.max_connection_age_grace_ms', p?.max_connection_age_grace);
  // grpc-go raises a server ping time below 1 s to 1 s (keepalive.ServerParameters)
  set('grpc.keepalive_time_ms', p?.time === undefined || p.time <= 0 ? p?.time : Math.max(1000, p.time));
  set('grpc.keepalive_timeout_ms', p?.timeout);
  return options;
}

/** The grpc-js server options a ServerConfig stands for. */
export function grpcServerOptions(config: GrpcServerConfig): ServerOptions {
  return {
    'grpc.max_receive_message_length': Math.floor(config.max_recv_msg_size_mib * MIB),
    // channelz bookkeeping costs on every call and nothing serves it
    'grpc.enable_channelz': 0,
    ...(config.max_concurrent_streams > 0 ? { 'grpc.max_concurrent_streams': config.max_concurrent_streams } : {}),
    ...keepaliveOptions(config.keepalive?.server_parameters),
  };
}

/**
 * grpc-js server credentials from a tls block: versions and curves as well as the files (grpc-js's
 * createSsl takes only the files), read again on reload_interval; grpc-js hands each new context
 * to its http2 server.
 */
class ReloadingServerCredentials extends ServerCredentials {
  readonly stop: () => void;

  constructor(tls: TlsServerConfig, baseDir: string, logger: CreateSettings['logger'], who: string) {
    const options = httpsServerOptions(tls, baseDir);
    if (!options.cert || !options.key) throw new Error(`${who}: tls needs cert_file and key_file`);
    const { requestCert, rejectUnauthorized, ...context } = options;
    super({ requestCert, rejectUnauthorized }, context);
    this.stop = reloadServerTls(
      tls,
      baseDir,
      (next) => this.updateSecureContextOptions(next),
      (err) => logger.error({ err: err.message }, 'Failed to reload the TLS certificates; keeping the current ones'),
    );
  }

  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/** The server's credentials, and what stops their reloading (nothing for plaintext). */
export function grpcServerCredentials(
  tls: TlsServerConfig | undefined,
  baseDir: string,
  logger: CreateSettings['logger'],
  who: string,
): { credentials: ServerCredentials; stop(): void } {
  if (!tls) return { credentials: ServerCredentials.createInsecure(), stop: () => undefined };
  const credentials = new ReloadingServerCredentials(tls, baseDir, logger, who);
  return { credentials, stop: credentials.stop };
}
