import type { ProcessorFactory } from '@flowtel/core';
import { configSchema, type SmartEncodingConfig } from './config.ts';
import { SmartEncodingProcessor } from './smartencoding.ts';

export const factory: ProcessorFactory<SmartEncodingConfig> = {
  kind: 'processor',
  type: 'smartencoding',
  description:
    'replaces repeating resource tags (host, process, container, Kubernetes) with small integer ids and keeps their dictionary',
  stability: { traces: 'development', metrics: 'development', logs: 'development' },
  metrics: [
    'flowtel_smartencoding_dictionary_entries',
    'flowtel_smartencoding_dictionary_version',
    'flowtel_smartencoding_unencoded_resources',
  ],
  mutatesData: true,
  configSchema,
  createProcessor: (settings, config) => new SmartEncodingProcessor(settings, config),
};
