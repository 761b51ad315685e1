export { factory } from './factory.ts';
export { OtelArrowReceiver } from './otelarrow.ts';
export { otelArrowReceiverConfigSchema, type OtelArrowReceiverConfig } from './config.ts';
