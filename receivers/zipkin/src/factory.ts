import type { ReceiverFactory } from '@flowtel/core';
import { zipkinReceiverConfigSchema, type ZipkinReceiverConfig } from './config.ts';
import { ZipkinReceiver } from './zipkin.ts';

export const factory: ReceiverFactory<ZipkinReceiverConfig> = {
  kind: 'receiver',
  type: 'zipkin',
  stability: { traces: 'beta' },
  description: 'Zipkin spans on 9411: /api/v2/spans (JSON, protobuf) and /api/v1/spans (JSON)',
  configSchema: zipkinReceiverConfigSchema,
  createReceiver: (settings, config, consumers) => new ZipkinReceiver(settings, config, consumers),
};
