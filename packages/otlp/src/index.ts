export {
  type AuthConfig,
  authConfigSchema,
  type AuthData,
  clientAuthenticator,
  type ClientAuthenticator,
  firstHeader,
  type RequestHeaders,
  serverAuthenticator,
  type ServerAuthenticator,
} from './auth.ts';
export {
  BodyTooLargeError,
  compress,
  type Compression,
  compressionLevelProblem,
  COMPRESSIONS,
  ContentEncodingError,
  decompress,
  parseContentEncoding,
} from './compression.ts';
export { readBody, replyText, requestHeaders } from './http-body.ts';
export {
  bindGrpcServer,
  exportMethod,
  type RawExportMethod,
  retryDelayFromMetadata,
  shutdownGrpcServer,
  statusMetadata,
} from './grpc.ts';
export {
  GRPC_COMPRESSION_OPTION,
  grpcCompress,
  grpcDecompress,
  type GrpcExtraCompression,
  installGrpcCompression,
} from './grpc-compression.ts';
export { decodeRpcStatus, encodeRpcStatus, type RpcStatus, rpcStatusFromJson, rpcStatusToJson } from './rpc-status.ts';
export { codecFor, CODECS, OTLP_SIGNALS, type OtlpSignal, type SignalCodec } from './signals.ts';
export {
  GrpcCode,
  grpcFromHttpStatus,
  grpcRefusal,
  httpRefusal,
  httpStatusFromGrpc,
  OtlpStatusError,
  parseRetryAfter,
  refusalStatus,
} from './status.ts';
export { type OtlpSender, queuedSenderExporter, RequestHeaderSource, warnOnPartialSuccess } from './exporting.ts';
export {
  grpcServerCredentials,
  type GrpcServerConfig,
  grpcServerOptions,
  grpcServerSchema,
  metadataHeaders,
} from './grpc-server.ts';
export { Ingest, Unauthenticated } from './ingest.ts';
export { type AddServices, OtlpGrpcServer } from './otlp-grpc-server.ts';
export { type GrpcClientConfig, grpcClientShape } from './grpc-client.ts';
export { OtlpGrpcSender } from './otlp-grpc-sender.ts';
