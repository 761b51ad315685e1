import type { ReceiverFactory } from '@flowtel/core';
import { jaegerReceiverConfigSchema, type JaegerReceiverConfig } from './config.ts';
import { JaegerReceiver } from './jaeger.ts';

export const factory: ReceiverFactory<JaegerReceiverConfig> = {
  kind: 'receiver',
  type: 'jaeger',
  stability: { traces: 'beta' },
  description:
    'Jaeger spans: gRPC api_v2 (14250), Thrift over HTTP (14268), Thrift compact (6831) and binary (6832) over UDP',
  configSchema: jaegerReceiverConfigSchema,
  metrics: ['otelcol_receiver_jaeger_dropped_datagrams'],
  createReceiver: (settings, config, consumers) => new JaegerReceiver(settings, config, consumers),
};
