export { factory } from './factory.ts';
export { ZipkinReceiver } from './zipkin.ts';
export { zipkinReceiverConfigSchema, type ZipkinReceiverConfig } from './config.ts';
