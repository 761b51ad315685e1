export { factory } from './factory.ts';
export { otelArrowExporterConfigSchema, type OtelArrowExporterConfig } from './config.ts';
