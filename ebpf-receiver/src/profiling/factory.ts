import type { ReceiverFactory } from '@flowtel/core';
import { configSchema, type ProfilingConfig } from './config.ts';
import { ProfilingReceiver } from './profiling.ts';

/** The OpenTelemetry eBPF profiler's collector receiver type, done with flowtel's eBPF side. */
export const factory: ReceiverFactory<ProfilingConfig> = {
  kind: 'receiver',
  type: 'profiling',
  description:
    'on-CPU and off-CPU stacks of every process on the host from eBPF (perf events, sched_switch; needs root and BTF)',
  stability: { profiles: 'development' },
  metrics: ['flowtel_profiling_samples_lost', 'flowtel_profiling_samples_refused'],
  configSchema,
  createReceiver: (settings, config, consumers) => new ProfilingReceiver(settings, config, consumers),
};
