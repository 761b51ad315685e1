export { factory } from './factory.ts';
export { createFileExporter } from './file.ts';
export { fileConfigSchema } from './config.ts';
export type { FileConfig } from './config.ts';
