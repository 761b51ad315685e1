import type { ProcessorFactory } from '@flowtel/core';
import { redactionConfigSchema, type RedactionConfig } from './config.ts';
import { RedactionProcessor } from './redaction.ts';

export const factory: ProcessorFactory<RedactionConfig> = {
  kind: 'processor',
  type: 'redaction',
  stability: { traces: 'beta', metrics: 'alpha', logs: 'alpha' },
  description: 'deletes attributes not on an allow list and masks or hashes blocked values',
  configSchema: redactionConfigSchema,
  // it rewrites attributes and bodies: where a pipeline fans out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config) => new RedactionProcessor(settings, config),
};
