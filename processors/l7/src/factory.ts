import type { ProcessorFactory } from '@flowtel/core';
import { configSchema, type L7Config } from './config.ts';
import { L7Processor } from './l7.ts';

export const factory: ProcessorFactory<L7Config> = {
  kind: 'processor',
  type: 'l7',
  description: 'turns captured socket traffic into spans, request logs and RED metrics',
  stability: { traces: 'alpha', metrics: 'alpha', logs: 'alpha' },
  metrics: [
    'flowtel_l7_socket_events',
    'flowtel_l7_records',
    'flowtel_l7_parse_errors',
    'flowtel_l7_unknown_connections',
    'flowtel_l7_dropped_requests',
    'flowtel_l7_evicted_connections',
    'flowtel_l7_whole_messages',
    'flowtel_l7_truncated_messages',
    'flowtel_l7_unparseable_messages',
    'flowtel_l7_connections',
  ],
  consumes: ['socket'],
  configSchema,
  createProcessor: (settings, config, signal) => new L7Processor(settings, config, signal),
};
