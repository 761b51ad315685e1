export { factory } from './factory.ts';
export { createFileExporter } from './file.ts';
export { lengthPrefixedRecords } from './codec.ts';
export { fileConfigSchema } from './config.ts';
export type { FileConfig } from './config.ts';
