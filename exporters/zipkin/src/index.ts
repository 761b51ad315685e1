export { factory } from './factory.ts';
export { ZipkinSender } from './zipkin.ts';
export { zipkinExporterConfigSchema, type ZipkinExporterConfig } from './config.ts';
