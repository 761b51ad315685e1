import type { ProcessorFactory } from '@flowtel/core';
import { resourceConfigSchema, type ResourceConfig } from './config.ts';
import { ResourceProcessor } from './resource.ts';

export const factory: ProcessorFactory<ResourceConfig> = {
  kind: 'processor',
  type: 'resource',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description: 'inserts, updates, upserts, deletes, hashes, extracts and converts resource attributes',
  configSchema: resourceConfigSchema,
  // it edits resource attributes in place: where a pipeline fans out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config) => new ResourceProcessor(settings, config),
};
