import type { ReceiverFactory } from '@flowtel/core';
import { otlpReceiverConfigSchema, type OtlpReceiverConfig } from './config.ts';
import { OtlpReceiver } from './otlp.ts';

export const factory: ReceiverFactory<OtlpReceiverConfig> = {
  kind: 'receiver',
  type: 'otlp',
  stability: { traces: 'stable', metrics: 'stable', logs: 'stable', profiles: 'alpha' },
  description: 'OTLP over gRPC (4317) and HTTP (4318), protobuf and JSON',
  configSchema: otlpReceiverConfigSchema,
  createReceiver: (settings, config, consumers) => new OtlpReceiver(settings, config, consumers),
};
