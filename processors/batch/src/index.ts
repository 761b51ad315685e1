export { factory } from './factory.ts';
export { BatchProcessor } from './batch.ts';
export { batchConfigSchema } from './config.ts';
export type { BatchConfig } from './config.ts';
