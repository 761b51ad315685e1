import type { ProcessorFactory } from '@flowtel/core';
import { deltaToCumulativeConfigSchema, type DeltaToCumulativeConfig } from './config.ts';
import { DeltaToCumulativeProcessor, METRICS } from './deltatocumulative.ts';

export const factory: ProcessorFactory<DeltaToCumulativeConfig> = {
  kind: 'processor',
  type: 'deltatocumulative',
  stability: { metrics: 'alpha' },
  description: 'accumulates delta sums, histograms and exponential histograms into cumulative ones',
  configSchema: deltaToCumulativeConfigSchema,
  metrics: Object.values(METRICS),
  // it rewrites points and drops some in place: where a pipeline fans out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config) => new DeltaToCumulativeProcessor(settings, config),
};
