import type { ProcessorFactory } from '@flowtel/core';
import { BatchProcessor } from './batch.ts';
import { batchConfigSchema } from './config.ts';
import type { BatchConfig } from './config.ts';

export const factory: ProcessorFactory<BatchConfig> = {
  kind: 'processor',
  type: 'batch',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description: 'merges batches up to send_batch_size or timeout and splits above send_batch_max_size',
  configSchema: batchConfigSchema,
  createProcessor: (settings, config) => new BatchProcessor(settings, config),
};
