// gRPC message compression beyond grpc-js's gzip and deflate: `snappy` (snappy's framing
// format, as otelcol's configgrpc registers it with golang/snappy's Writer/Reader) and `zstd`
// (a zstd frame, klauspost/compress in otelcol). grpc-js has no registry for codecs, so this
// module wraps the two places that decide: the server call's message decompression (every
// grpc-js server in the process then reads snappy and zstd, and says so in
// grpc-accept-encoding), and the client channel's compression filter, which sends with the
// codec named by the channel option GRPC_COMPRESSION_OPTION. Both are grpc-js internals: the
// test suite runs real calls through them, and installGrpcCompression refuses to start if the
// shapes it wraps are not there.
import { Metadata, status as GrpcStatus, type ChannelOptions } from '@grpc/grpc-js';
import { CompressionFilterFactory } from '@grpc/grpc-js/build/src/compression-filter.js';
import { BaseServerInterceptingCall } from '@grpc/grpc-js/build/src/server-interceptors.js';
import { BodyTooLargeError, ContentEncodingError, compress, decompress } from './compression.ts';
import { snappyFramedCompress } from './snappy-framed.ts';

/** The codecs this module adds, by their grpc-encoding names. */
export type GrpcExtraCompression = 'snappy' | 'zstd';
/** Channel option naming the codec a client sends with (grpc-js ignores options it does not know). */
export const GRPC_COMPRESSION_OPTION = 'flowtel.grpc_compression';
/** What a server that installed this module can read, for grpc-accept-encoding. */
const ACCEPT_ENCODING = 'identity,deflate,gzip,snappy,zstd';

const isExtra = (name: unknown): name is GrpcExtraCompression => name === 'snappy' || name === 'zstd';

export async function grpcCompress(name: GrpcExtraCompression, message: Buffer): Promise<Buffer> {
  return name === 'snappy' ? snappyFramedCompress(message) : compress('zstd', message);
}

/** Inflates one message; `max` is the receive limit (-1: none). */
export async function grpcDecompress(name: GrpcExtraCompression, message: Buffer, max: number): Promise<Buffer> {
  return decompress(name === 'snappy' ? 'x-snappy-framed' : 'zstd', message, max < 0 ? Number.MAX_SAFE_INTEGER : max);
}

/** A grpc-js send-side compression handler: frames a message with the compressed flag set. */
class ExtraCompressionHandler {
  constructor(private readonly name: GrpcExtraCompression) {}
  async writeMessage(message: Buffer, compress: boolean): Promise<Buffer> {
    const body = compress ? await grpcCompress(this.name, message) : message;
    const out = Buffer.allocUnsafe(body.length + 5);
    out.writeUInt8(compress ? 1 : 0, 0);
    out.writeUInt32BE(body.length, 1);
    body.copy(out, 5);
    return out;
  }
  // only sends: what a server answers in comes through grpc-js's own handlers
  async readMessage(): Promise<Buffer> {
    throw new Error(`grpc-js chose a send-only ${this.name} handler to read a message`);
  }
}

interface ServerCallInternals {
  maxReceiveMessageSize: number;
  decompressMessage(message: Buffer, encoding: string): Buffer | Promise<Buffer>;
  sendMetadata(metadata: Metadata): void;
}
interface FilterFactoryInternals {
  options: ChannelOptions;
  sharedFilterConfig: { serverSupportedEncodingHeader?: string };
  createFilter(): { sendCompression: unknown; currentCompressionAlgorithm: string };
}

let installed = false;

/** Teaches grpc-js (servers and clients in this process) snappy and zstd; idempotent. */
export function installGrpcCompression(): void {
  if (installed) return;
  const server = BaseServerInterceptingCall.prototype as unknown as ServerCallInternals;
  const factory = CompressionFilterFactory.prototype as unknown as FilterFactoryInternals;
  if (
    typeof server.decompressMessage !== 'function' ||
    typeof server.sendMetadata !== 'function' ||
    typeof factory.createFilter !== 'function'
  ) {
    throw new Error(
      'this @grpc/grpc-js version does not have the internals flowtel extends for snappy and zstd gRPC compression',
    );
  }
  installed = true;

  const decompressMessage = server.decompressMessage;
  server.decompressMessage = function (this: ServerCallInternals, message: Buffer, encoding: string) {
    if (!isExtra(encoding)) return decompressMessage.call(this, message, encoding);
    // the 5-byte gRPC message prefix (flag, length) comes with the message
    return grpcDecompress(encoding, message.subarray(5), this.maxReceiveMessageSize).catch((err: unknown) => {
      // the shape grpc-js rejects with, which it sends as the call's status
      throw err instanceof BodyTooLargeError
        ? {
            code: GrpcStatus.RESOURCE_EXHAUSTED,
            details: `Received message that decompresses to a size larger than ${this.maxReceiveMessageSize}`,
          }
        : {
            code: GrpcStatus.INTERNAL,
            details: `Failed to decompress ${encoding}-encoded message${err instanceof ContentEncodingError ? `: ${err.message}` : ''}`,
          };
    });
  };

  const sendMetadata = server.sendMetadata;
  server.sendMetadata = function (this: ServerCallInternals, metadata: Metadata) {
    const md = metadata ?? new Metadata();
    if (md.get('grpc-accept-encoding').length === 0) md.set('grpc-accept-encoding', ACCEPT_ENCODING);
    sendMetadata.call(this, md);
  };

  const createFilter = factory.createFilter;
  factory.createFilter = function (this: FilterFactoryInternals) {
    const filter = createFilter.call(this);
    const name = this.options[GRPC_COMPRESSION_OPTION];
    // as grpc-js does for its own codecs: once a server said what it accepts, a codec it does
    // not list is not used (the filter also drops it when the first answer says so)
    const accepted = this.sharedFilterConfig.serverSupportedEncodingHeader?.split(',');
    if (isExtra(name) && (!accepted || accepted.includes(name))) {
      filter.sendCompression = new ExtraCompressionHandler(name);
      filter.currentCompressionAlgorithm = name;
    }
    return filter;
  };
}
