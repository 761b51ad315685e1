import type { OtlpV1Signal, ProcessorFactory } from '@flowtel/core';
import { includeExcludeProblem } from '@flowtel/filter';
import { AttributesProcessor } from './attributes.ts';
import { attributesConfigSchema, type AttributesConfig } from './config.ts';

export const factory: ProcessorFactory<AttributesConfig> = {
  kind: 'processor',
  type: 'attributes',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description:
    'inserts, updates, upserts, deletes, hashes, extracts and converts span, log record and data point attributes',
  configSchema: attributesConfigSchema,
  // it edits attributes in place: where a pipeline fans out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config, signal) => new AttributesProcessor(settings, config, signal as OtlpV1Signal),
  checkSignal: (config, signal) => includeExcludeProblem(config, signal as OtlpV1Signal),
};
