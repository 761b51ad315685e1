// The OTLP gRPC methods with byte-for-byte (de)serializers: requests are decoded by our own
// codec in the handler, so a bad payload is an INVALID_ARGUMENT we choose, not a grpc-js
// INTERNAL, and no protobufjs runs on the hot path.
import { Metadata, type MethodDefinition, type Server, type ServerCredentials } from '@grpc/grpc-js';
import { splitEndpoint, type ListenAddr } from '@flowtel/core';
import { codecFor, type OtlpSignal } from './signals.ts';
import { decodeRpcStatus, encodeRpcStatus, type RpcStatus } from './rpc-status.ts';

const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const keep = (b: Buffer): Buffer => b;

export type RawExportMethod = MethodDefinition<Uint8Array, Uint8Array>;

export function exportMethod(signal: OtlpSignal): RawExportMethod {
  return {
    path: codecFor(signal).grpcPath,
    requestStream: false,
    responseStream: false,
    requestSerialize: asBuffer,
    requestDeserialize: keep,
    responseSerialize: asBuffer,
    responseDeserialize: keep,
    originalName: 'export',
  };
}

const DETAILS_KEY = 'grpc-status-details-bin';

/** Trailers carrying a status's details (RetryInfo) the way grpc-go does. */
export function statusMetadata(status: RpcStatus): Metadata | undefined {
  if (status.retryDelayMs === undefined) return undefined;
  const md = new Metadata();
  md.set(DETAILS_KEY, Buffer.from(encodeRpcStatus(status)));
  return md;
}

/** The RetryInfo delay a server put in its trailers, if any. */
export function retryDelayFromMetadata(md: Metadata | undefined): number | undefined {
  const raw = md?.get(DETAILS_KEY)[0];
  if (!raw || typeof raw === 'string') return undefined;
  try {
    return decodeRpcStatus(raw).retryDelayMs;
  } catch {
    return undefined;
  }
}

/**
 * Binds a gRPC server to a config's `host:port`, or with `transport: unix` (confignet's) to the
 * socket path as grpc-js's `unix:` target; resolves with the bound port.
 */
export function bindGrpcServer(
  server: Server,
  addr: string | ListenAddr,
  credentials: ServerCredentials,
  who: string,
): Promise<number> {
  const { endpoint, transport } = typeof addr === 'string' ? { endpoint: addr, transport: 'tcp' } : addr;
  const { host, port } = transport === 'unix' ? { host: '', port: 0 } : splitEndpoint(endpoint);
  const address = transport === 'unix' ? `unix:${endpoint}` : `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (err, bound) =>
      err ? reject(new Error(`${who}: failed to listen on ${endpoint}: ${err.message}`)) : resolve(bound),
    ),
  );
}

/** In-flight calls wait for their pipelines' answer; a client that never finishes is cut off after `graceMs`. */
export function shutdownGrpcServer(server: Server, graceMs = 5000): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => server.forceShutdown(), graceMs);
    server.tryShutdown(() => (clearTimeout(force), resolve()));
  });
}
