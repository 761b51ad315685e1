import type { ReceiverFactory } from '@flowtel/core';
import { type Config, configSchema } from './config.ts';
import { HostMetricsReceiver } from './hostmetrics.ts';

export const factory: ReceiverFactory<Config> = {
  kind: 'receiver',
  type: 'hostmetrics',
  aliases: ['host_metrics'],
  stability: { metrics: 'beta' },
  description:
    "the host's CPU, memory, load, disks, filesystems, network, paging and processes, read from /proc and /sys",
  configSchema,
  createReceiver: (settings, config, consumers) => new HostMetricsReceiver(settings, config, consumers),
};
