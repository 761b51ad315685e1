import type { ReceiverFactory } from '@flowtel/core';
import { pcapReceiverConfigSchema, type PcapReceiverConfig } from './config.ts';
import { PcapReceiver } from './pcap.ts';

export const factory: ReceiverFactory<PcapReceiverConfig> = {
  kind: 'receiver',
  type: 'pcap',
  stability: { traces: 'alpha', metrics: 'alpha', logs: 'alpha' },
  emits: 'socket',
  description: 'socket events from a pcap/pcapng file or a live interface (dumpcap), with TCP reassembly',
  configSchema: pcapReceiverConfigSchema,
  createReceiver: (settings, config, consumers) => new PcapReceiver(settings, config, consumers),
};
