import type { ProcessorFactory } from '@flowtel/core';
import { cumulativeToDeltaConfigSchema, type CumulativeToDeltaConfig } from './config.ts';
import { CumulativeToDeltaProcessor } from './cumulativetodelta.ts';

export const factory: ProcessorFactory<CumulativeToDeltaConfig> = {
  kind: 'processor',
  type: 'cumulativetodelta',
  aliases: ['cumulative_to_delta'],
  stability: { metrics: 'beta' },
  description: 'converts monotonic cumulative sums and cumulative histograms to delta',
  configSchema: cumulativeToDeltaConfigSchema,
  // it rewrites points and drops some in place: where a pipeline fans out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config) => new CumulativeToDeltaProcessor(settings, config),
};
