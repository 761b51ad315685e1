export { factory } from './factory.ts';
export { otlpHttpExporterConfigSchema, type OtlpHttpExporterConfig } from './config.ts';
