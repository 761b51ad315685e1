import type { ExtensionFactory } from '@flowtel/core';
import { pprofConfigSchema, type PprofConfig } from './config.ts';
import { PprofExtension } from './pprof.ts';

export const factory: ExtensionFactory<PprofConfig> = {
  kind: 'extension',
  type: 'pprof',
  stability: 'beta',
  description: "the Node.js process's CPU and heap profiles in pprof format over HTTP (/debug/pprof/)",
  configSchema: pprofConfigSchema,
  createExtension: (settings, config) => new PprofExtension(settings, config),
};
