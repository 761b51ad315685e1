import type { ReceiverFactory } from '@flowtel/core';
import { type Config, configSchema } from './config.ts';
import { FluentForwardReceiver, METRICS } from './fluentforward.ts';

export const factory: ReceiverFactory<Config> = {
  kind: 'receiver',
  type: 'fluentforward',
  aliases: ['fluent_forward'],
  stability: { logs: 'beta' },
  metrics: Object.values(METRICS),
  description: 'receives Fluent Forward protocol events (message, forward, packed and compressed packed forward; acks)',
  configSchema,
  createReceiver: (settings, config, consumers) => new FluentForwardReceiver(settings, config, consumers),
};
