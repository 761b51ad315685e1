import type { ExtensionFactory } from '@flowtel/core';
import { healthCheckConfigSchema } from './config.ts';
import type { HealthCheckConfig } from './config.ts';
import { HealthCheckExtension } from './health_check.ts';

export const factory: ExtensionFactory<HealthCheckConfig> = {
  kind: 'extension',
  type: 'health_check',
  stability: 'beta',
  description: 'HTTP endpoint answering 200 when the collector is ready, 503 otherwise',
  configSchema: healthCheckConfigSchema,
  createExtension: (settings, config) => new HealthCheckExtension(settings, config),
};
