export { factory } from './factory.ts';
export { SpanProcessor } from './span.ts';
export { spanConfigSchema, type SpanConfig } from './config.ts';
