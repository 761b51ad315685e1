export { factory } from './factory.ts';
export { DeltaToCumulativeProcessor, METRICS } from './deltatocumulative.ts';
export { deltaToCumulativeConfigSchema, type DeltaToCumulativeConfig } from './config.ts';
