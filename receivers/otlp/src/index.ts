export { factory } from './factory.ts';
export { OtlpReceiver } from './otlp.ts';
export { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
