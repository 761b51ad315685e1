import type { OtlpV1Signal, ProcessorFactory } from '@flowtel/core';
import { type FilterConfig, filterConfigSchema } from './config.ts';
import { FILTERED, FilterProcessor } from './filter.ts';

export const factory: ProcessorFactory<FilterConfig> = {
  kind: 'processor',
  type: 'filter',
  stability: { traces: 'alpha', metrics: 'alpha', logs: 'alpha' },
  description: 'drops the spans, span events, metrics, data points and log records that conditions match',
  configSchema: filterConfigSchema,
  metrics: Object.values(FILTERED).map(([name]) => name),
  mutatesData: true,
  createProcessor: (settings, config, signal) => new FilterProcessor(settings, config, signal as OtlpV1Signal),
};
