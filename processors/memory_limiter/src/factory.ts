import type { ProcessorFactory } from '@flowtel/core';
import { memoryLimiterConfigSchema } from './config.ts';
import type { MemoryLimiterConfig } from './config.ts';
import { MemoryLimiterProcessor } from './memory_limiter.ts';

export const factory: ProcessorFactory<MemoryLimiterConfig> = {
  kind: 'processor',
  type: 'memory_limiter',
  stability: { traces: 'beta', metrics: 'beta', logs: 'beta' },
  description: 'refuses data with a retryable error while memory is above the soft limit',
  configSchema: memoryLimiterConfigSchema,
  createProcessor: (settings, config) => new MemoryLimiterProcessor(settings, config),
};
