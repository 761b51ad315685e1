import type { ReceiverFactory } from '@flowtel/core';
import { SOCKET_SOURCE_METRICS } from '@flowtel/socket-source';
import { pcapReceiverConfigSchema, type PcapReceiverConfig } from './config.ts';
import { PcapReceiver } from './pcap.ts';

export const factory: ReceiverFactory<PcapReceiverConfig> = {
  kind: 'receiver',
  type: 'pcap',
  stability: { traces: 'alpha', metrics: 'alpha', logs: 'alpha' },
  metrics: [
    'flowtel_pcap_frames',
    'flowtel_pcap_connections',
    'flowtel_pcap_tcp_missing_bytes',
    'flowtel_pcap_tcp_duplicate_bytes',
    'flowtel_pcap_skipped_frames',
    ...SOCKET_SOURCE_METRICS,
  ],
  emits: 'socket',
  description: 'socket events from a pcap/pcapng file or a live interface (dumpcap), with TCP reassembly',
  configSchema: pcapReceiverConfigSchema,
  createReceiver: (settings, config, consumers) => new PcapReceiver(settings, config, consumers),
};
