import type { ExporterFactory } from '@flowtel/core';
import { fileConfigSchema } from './config.ts';
import type { FileConfig } from './config.ts';
import { createFileExporter } from './file.ts';

export const factory: ExporterFactory<FileConfig> = {
  kind: 'exporter',
  type: 'file',
  stability: { traces: 'alpha', metrics: 'alpha', logs: 'alpha', profiles: 'development' },
  description: 'writes OTLP/JSON lines or length-prefixed OTLP protobuf to a file, with rotation',
  configSchema: fileConfigSchema,
  createExporter: (settings, config, signals) => createFileExporter(settings, config, signals),
};
