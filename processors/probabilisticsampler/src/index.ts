export { factory } from './factory.ts';
export { METRICS, ProbabilisticSamplerProcessor } from './probabilisticsampler.ts';
export { probabilisticSamplerConfigSchema, type ProbabilisticSamplerConfig } from './config.ts';
