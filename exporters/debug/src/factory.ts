import type { ExporterFactory } from '@flowtel/core';
import { debugConfigSchema } from './config.ts';
import type { DebugConfig } from './config.ts';
import { createDebugExporter } from './debug.ts';

export const factory: ExporterFactory<DebugConfig> = {
  kind: 'exporter',
  type: 'debug',
  stability: { traces: 'development', metrics: 'development', logs: 'development', profiles: 'development' },
  description: 'prints telemetry (and socket events) to the console for debugging',
  configSchema: debugConfigSchema,
  createExporter: (settings, config, signals) => createDebugExporter(settings, config, signals),
};
