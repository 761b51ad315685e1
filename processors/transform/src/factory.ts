import type { OtlpV1Signal, ProcessorFactory } from '@flowtel/core';
import { type TransformConfig, transformConfigSchema } from './config.ts';
import { TransformProcessor } from './transform.ts';

export const factory: ProcessorFactory<TransformConfig> = {
  kind: 'processor',
  type: 'transform',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description: 'changes traces, metrics and logs with OTTL statements',
  configSchema: transformConfigSchema,
  mutatesData: true,
  createProcessor: (settings, config, signal) => new TransformProcessor(settings, config, signal as OtlpV1Signal),
};
