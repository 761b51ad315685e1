export { factory } from './factory.ts';
export { JaegerReceiver } from './jaeger.ts';
export { jaegerReceiverConfigSchema, type JaegerReceiverConfig } from './config.ts';
