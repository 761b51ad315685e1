import type { ReceiverFactory } from '@flowtel/core';
import { type Config, configSchema } from './config.ts';
import { FileLogReceiver } from './filelog.ts';

export const factory: ReceiverFactory<Config> = {
  kind: 'receiver',
  type: 'filelog',
  aliases: ['file_log'],
  stability: { logs: 'beta' },
  metrics: ['otelcol_fileconsumer_open_files', 'otelcol_fileconsumer_reading_files'],
  description: 'tails and parses log files (fingerprints, rotation, offsets in a storage extension, stanza operators)',
  configSchema,
  createReceiver: (settings, config, consumers) => new FileLogReceiver(settings, config, consumers),
};
