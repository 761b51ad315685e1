import type { ProcessorFactory } from '@flowtel/core';
import { BatchProcessor } from './batch.ts';
import { batchConfigSchema } from './config.ts';
import type { BatchConfig } from './config.ts';

export const factory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  metrics: [
    'otelcol_processor_batch_batch_size_trigger_send',
    'otelcol_processor_batch_timeout_trigger_send',
    'otelcol_processor_batch_batch_send_size',
    'otelcol_processor_batch_metadata_cardinality',
  ],
  description: 'merges batches up to send_batch_size or timeout and splits above send_batch_max_size',
  configSchema: batchConfigSchema,
  createProcessor: (settings, config) => new BatchProcessor(settings, config),
};
