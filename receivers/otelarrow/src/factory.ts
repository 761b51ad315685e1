import type { ReceiverFactory } from '@flowtel/core';
import { otelArrowReceiverConfigSchema, type OtelArrowReceiverConfig } from './config.ts';
import { OtelArrowReceiver } from './otelarrow.ts';

export const factory: ReceiverFactory<OtelArrowReceiverConfig> = {
  kind: 'receiver',
  type: 'otelarrow',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description: 'OTel Arrow (OTAP) streams for traces and plain OTLP/gRPC for every signal, on one port',
  configSchema: otelArrowReceiverConfigSchema,
  createReceiver: (settings, config, consumers) => new OtelArrowReceiver(settings, config, consumers),
};
