import type { OtlpV1Signal, ProcessorFactory } from '@flowtel/core';
import { probabilisticSamplerConfigSchema, type ProbabilisticSamplerConfig } from './config.ts';
import { METRICS, ProbabilisticSamplerProcessor } from './probabilisticsampler.ts';

export const factory: ProcessorFactory<ProbabilisticSamplerConfig> = {
  kind: 'processor',
  type: 'probabilistic_sampler',
  stability: { traces: 'beta', logs: 'alpha' },
  description: 'keeps a percentage of spans and log records, consistently by trace id or an attribute',
  configSchema: probabilisticSamplerConfigSchema,
  metrics: Object.values(METRICS),
  // it drops items and writes tracestate and sampling attributes: fanned out, it gets its own copy
  mutatesData: true,
  createProcessor: (settings, config, signal) =>
    new ProbabilisticSamplerProcessor(settings, config, signal as OtlpV1Signal),
};
