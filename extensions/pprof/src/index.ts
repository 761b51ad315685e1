export { factory } from './factory.ts';
export { PprofExtension } from './pprof.ts';
export { pprofConfigSchema, type PprofConfig } from './config.ts';
