import type { ReceiverFactory } from '@flowtel/core';
import { type Config, configSchema } from './config.ts';
import { JournaldReceiver } from './journald.ts';

export const factory: ReceiverFactory<Config> = {
  kind: 'receiver',
  type: 'journald',
  stability: { logs: 'alpha' },
  metrics: [],
  description: 'reads the systemd journal through journalctl (units, priorities, matches), the cursor kept in storage',
  configSchema,
  createReceiver: (settings, config, consumers) => new JournaldReceiver(settings, config, consumers),
};
