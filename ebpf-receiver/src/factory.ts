import type { ReceiverFactory } from '@flowtel/core';
import { SOCKET_SOURCE_METRICS } from '@flowtel/socket-source';
import { configSchema, type EbpfConfig } from './config.ts';
import { EbpfReceiver } from './ebpf.ts';

export const factory: ReceiverFactory<EbpfConfig> = {
  kind: 'receiver',
  type: 'ebpf',
  description: 'socket events of every process on the host from eBPF syscall tracepoints (needs root and BTF)',
  stability: { traces: 'development', metrics: 'development', logs: 'development' },
  metrics: ['flowtel_ebpf_events_lost', 'flowtel_ebpf_tls_unbound', ...SOCKET_SOURCE_METRICS],
  emits: 'socket',
  configSchema,
  createReceiver: (settings, config, consumers) => new EbpfReceiver(settings, config, consumers),
};
