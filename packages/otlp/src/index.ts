export * from './auth.ts';
export * from './compression.ts';
export * from './grpc.ts';
export * from './rpc-status.ts';
export * from './signals.ts';
export * from './status.ts';
export * from './tls.ts';
export * from './exporting.ts';
